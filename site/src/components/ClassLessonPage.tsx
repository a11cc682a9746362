import { useEffect, useState } from 'react';
import { describeError } from '../lib/api.ts';
import { getClassLesson, slugFromSearch, type ClassLesson } from '../lib/class-lessons.ts';
import { progressItems } from '../lib/progress.ts';
import ClassLessonHtml from './ClassLessonHtml.tsx';
import HubPanel from './HubPanel.tsx';
import LessonProgress from './LessonProgress.tsx';
import LessonSetup from './LessonSetup.tsx';
import ReportProblems from './ReportProblems.tsx';
import Terminal from './Terminal.tsx';

type PageState =
  | { kind: 'loading' }
  | { kind: 'no-slug' }
  | { kind: 'closed' }
  | { kind: 'error'; message: string }
  | { kind: 'ready'; lesson: ClassLesson };

/**
 * A lesson the learner's instructor wrote for their class (`/class/lesson/?slug=…`), laid out as a
 * course lesson: the page beside the learner's terminal. The site is static, so the lesson is fetched
 * here; until then, and for a learner it is not open to, the page says why.
 */
export default function ClassLessonPage() {
  const [state, setState] = useState<PageState>({ kind: 'loading' });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const slug = slugFromSearch(window.location.search);
    if (!slug) {
      setState({ kind: 'no-slug' });
      return;
    }
    let cancelled = false;
    setState({ kind: 'loading' });
    getClassLesson(slug).then(
      (lesson) => !cancelled && setState(lesson ? { kind: 'ready', lesson } : { kind: 'closed' }),
      (error: unknown) => !cancelled && setState({ kind: 'error', message: describeError(error) }),
    );
    return () => {
      cancelled = true;
    };
  }, [attempt]);

  const title = state.kind === 'ready' ? state.lesson.title : undefined;
  useEffect(() => {
    if (title !== undefined) document.title = `${title} · Dockyard`;
  }, [title]);

  if (state.kind !== 'ready') {
    return (
      <article className="lesson-text" aria-labelledby="lesson-title">
        <h1 id="lesson-title">Class exercise</h1>
        <p role="status" aria-live="polite">
          {notReadyText(state)}
        </p>
        {state.kind === 'error' && (
          <p>
            <button type="button" className="button" onClick={() => setAttempt((n) => n + 1)}>
              Try again
            </button>
          </p>
        )}
        {state.kind !== 'loading' && (
          <p>
            <a href="/">Go to the course</a>
          </p>
        )}
      </article>
    );
  }

  const { lesson } = state;
  return (
    <>
      <article className="lesson-text" aria-labelledby="lesson-title">
        <p className="lesson-number">
          Class exercise <LessonProgress lesson={lesson.slug} items={progressItems(lesson)} />
        </p>
        <h1 id="lesson-title">{lesson.title}</h1>
        {/* The server does not say yet whether the lesson has setup: offer the reset in case. */}
        <LessonSetup lesson={lesson.slug} hasSetup={lesson.hasSetup ?? true} />
        {lesson.html === undefined && (
          <>
            <p>This server sends the page as text only; its exercises and quizzes follow it.</p>
            <pre className="class-lesson-source">{lesson.page}</pre>
          </>
        )}
        <ClassLessonHtml html={lesson.html ?? ''} lesson={lesson} title={lesson.title} />
        {/* After the page's HTML is in place: a control after each of its sections' headings. */}
        <ReportProblems lesson={lesson.slug} root=".lesson-text .prose" content={lesson.html} />
      </article>
      <div className="terminal-pane">
        <HubPanel lesson={lesson.slug} />
        <Terminal lesson={lesson.slug} />
      </div>
    </>
  );
}

function notReadyText(state: Exclude<PageState, { kind: 'ready' }>): string {
  switch (state.kind) {
    case 'loading':
      return 'Loading the exercise…';
    case 'no-slug':
      return 'This link names no class exercise. Open it again from the link your instructor gave you.';
    case 'closed':
      return 'This exercise is not open to you: join its class first, or ask your instructor whether it is published and the class still running.';
    case 'error':
      return `The exercise could not be loaded: ${state.message}`;
  }
}
