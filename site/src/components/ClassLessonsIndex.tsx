import { useEffect, useId, useState } from 'react';
import { JOINED_EVENT } from '../lib/class-join.ts';
import { classLessonHref, listClassLessons, type ClassLessonSummary } from '../lib/class-lessons.ts';
import { lessonMeta } from '../lib/lesson-meta.ts';
import { progressItems } from '../lib/progress.ts';
import LessonProgress from './LessonProgress.tsx';

/**
 * "Your class" on the course index: the lessons the learner's instructor published for their class,
 * with the learner's progress in each. Nothing at all for a learner in no class.
 */
export default function ClassLessonsIndex() {
  const headingId = useId();
  const [lessons, setLessons] = useState<ClassLessonSummary[]>([]);

  useEffect(() => {
    let cancelled = false;
    const load = () => {
      listClassLessons().then(
        (list) => !cancelled && setLessons(list),
        () => {
          // The course works without them; the next visit asks again.
        },
      );
    };
    // A learner who joins on this page sees their class's lessons at once.
    window.addEventListener(JOINED_EVENT, load);
    load();
    return () => {
      cancelled = true;
      window.removeEventListener(JOINED_EVENT, load);
    };
  }, []);

  if (lessons.length === 0) return null;
  return (
    <section className="class-lessons" aria-labelledby={headingId}>
      <h2 id={headingId}>Your class</h2>
      <ol className="lesson-list">
        {lessons.map((lesson) => (
          <li key={lesson.slug} className="lesson-card">
            <h3>
              <a href={classLessonHref(lesson.slug)}>{lesson.title}</a>{' '}
              <LessonProgress lesson={lesson.slug} items={progressItems(lesson)} />
            </h3>
            {lesson.summary && <p>{lesson.summary}</p>}
            <p className="lesson-meta">{lessonMeta(lesson)}</p>
          </li>
        ))}
      </ol>
    </section>
  );
}
