import { useId, useLayoutEffect, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import { isTitleHeading, unplacedItems } from '../lib/class-lessons.ts';
import {
  findPlaceholders,
  placedIds,
  type FoundPlaceholder,
  type Placeholder,
} from '../lib/class-lesson-placeholders.ts';
import { hydrateHint } from '../lib/hint.ts';
import { fillVarSpans, markVarSpans, subscribeLessonVars } from '../lib/lesson-vars.ts';
import type { LessonContext } from '../lib/lessons.ts';
import CopyCommand from './CopyCommand.tsx';
import ExerciseCheck from './ExerciseCheck.tsx';
import PreviewPanel from './PreviewPanel.tsx';
import QuizCard from './QuizCard.tsx';
import RunCommand from './RunCommand.tsx';

export interface ClassLessonHtmlProps {
  /** The page as the server renders and sanitises it (renderPage): safe as innerHTML. */
  html: string;
  /** The lesson's slug, and the exercises and quizzes its placeholders name. */
  lesson: LessonContext;
  /** The title the page shows above it: the page's first `# Heading`, where the title comes from, is left out. */
  title?: string;
}

/**
 * A class lesson's page: the server's HTML, with the course's own author components mounted into its
 * placeholders (React portals), and its hints collapsed as Hint.astro's. Exercises and quizzes the
 * page does not place follow it, so each can still be done.
 */
export default function ClassLessonHtml({ html, lesson, title }: ClassLessonHtmlProps) {
  const ref = useRef<HTMLDivElement>(null);
  const baseId = useId();
  const [found, setFound] = useState<FoundPlaceholder[] | undefined>();

  // Before paint, so the page never shows the empty placeholders or the unplaced items twice.
  useLayoutEffect(() => {
    const root = ref.current;
    if (!root) return;
    root.innerHTML = html;
    const heading = root.querySelector('h1');
    if (title !== undefined && heading && isTitleHeading(heading.textContent ?? '', title)) heading.remove();
    // {{hub.username}} in the prose and code reads as on course lessons, filled once known.
    const spans = markVarSpans(root);
    const placeholders = findPlaceholders(root);
    placeholders.forEach(({ element, placeholder }, index) => {
      if (placeholder.kind === 'hint' && element instanceof HTMLElement)
        hydrateHint(element, `${baseId}-hint-${index}`);
    });
    setFound(placeholders);
    const stopVars =
      spans.length > 0 ? subscribeLessonVars(lesson.slug, (vars) => fillVarSpans(spans, vars)) : undefined;
    return () => {
      stopVars?.();
      setFound(undefined);
      root.replaceChildren();
    };
  }, [html, title, baseId, lesson.slug]);

  const rest = found && unplacedItems(lesson, placedIds(found));
  return (
    <>
      <div className="prose" ref={ref} />
      {found?.map(({ element, placeholder }, index) =>
        // A hint is wired as plain DOM (hydrateHint): its content stays the server's.
        placeholder.kind === 'hint'
          ? null
          : createPortal(
              <PlaceholderComponent placeholder={placeholder} lesson={lesson} />,
              element,
              String(index),
            ),
      )}
      {rest && rest.exercises.length + rest.quizzes.length > 0 && (
        <section aria-labelledby={`${baseId}-more`}>
          <h2 id={`${baseId}-more`}>More exercises</h2>
          {rest.exercises.map((exercise) => (
            <PlaceholderComponent
              key={exercise.id}
              placeholder={{ kind: 'exercise', id: exercise.id }}
              lesson={lesson}
            />
          ))}
          {rest.quizzes.map((quiz) => (
            <PlaceholderComponent key={quiz.id} placeholder={{ kind: 'quiz', id: quiz.id }} lesson={lesson} />
          ))}
        </section>
      )}
    </>
  );
}

/**
 * The course's author component for one placeholder, as the course lesson's MDX uses it. A hint is
 * plain DOM (lib/hint.ts); an exercise or quiz the lesson does not define is left out.
 */
export function PlaceholderComponent({
  placeholder,
  lesson,
}: {
  placeholder: Placeholder;
  lesson: LessonContext;
}) {
  switch (placeholder.kind) {
    case 'run':
      return <RunCommand command={placeholder.command} lesson={lesson.slug} />;
    case 'copy':
      return <CopyCommand text={placeholder.text} lesson={lesson.slug} />;
    case 'exercise': {
      const exercise = lesson.exercises.find((candidate) => candidate.id === placeholder.id);
      return exercise ? (
        <ExerciseCheck
          lesson={lesson.slug}
          exerciseId={exercise.id}
          title={exercise.title}
          auto={exercise.auto ?? false}
        />
      ) : null;
    }
    case 'quiz': {
      const quiz = lesson.quizzes.find((candidate) => candidate.id === placeholder.id);
      return quiz ? (
        <QuizCard
          lesson={lesson.slug}
          quizId={quiz.id}
          question={quiz.question}
          options={quiz.options}
          multiple={quiz.multiple}
        />
      ) : null;
    }
    case 'preview':
      return <PreviewPanel lesson={lesson.slug} port={placeholder.port} />;
    case 'hint':
      return null;
  }
}
