import { inspectClassLessonInput, type ClassLessonInput, type ContentProblem } from './class-lesson-input.ts';
import type { PageWork } from './authoring-workers.ts';

// The whole check of a class lesson, as a save and the editor's validate run it: the input's own
// checks (slug, sizes, the YAML against the course's schema), then the page rendered by the engine's
// renderPage on a worker thread, against the ids of the exercises and quizzes of that YAML.
//
// Every page problem refuses the save: an unknown exercise id, raw HTML, a javascript: link, an
// unsupported directive... The renderer drops what it reports (a directive with a problem, raw HTML,
// an unsafe link's href), so a page saved with problems would show the learner something other than
// what the instructor wrote. The instructor fixes each, on its line, before the page is kept.

/** Problems the renderer reports when a directive names an id the definitions lack. */
const UNKNOWN_ID = /^No (exercise|quiz) with this id/;

/** What a check found: every problem, in input order (slug, page, exercises), and the lesson with its HTML when there is none. */
export interface CheckedLesson {
  problems: ContentProblem[];
  input?: ClassLessonInput & { html: string };
}

/**
 * Checks a class lesson: `inspectClassLessonInput`, then the page. When the YAML does not pass, the
 * page is still checked, but a directive naming an unknown id is not reported: the ids are not known
 * until the YAML passes.
 */
export async function checkClassLesson(
  body: Record<string, unknown>,
  courseSlugs: ReadonlySet<string>,
  work: PageWork,
  options: { slugOptional?: boolean } = {},
): Promise<CheckedLesson> {
  const inspected = inspectClassLessonInput(body, courseSlugs, options);
  if (inspected.page === undefined) return { problems: inspected.problems };
  const { content } = inspected;
  const rendered = await work.render(inspected.page, {
    exercises: content?.exercises.map((e) => e.id) ?? [],
    quizzes: content?.quizzes.map((q) => q.id) ?? [],
  });
  const pageProblems: ContentProblem[] = rendered.problems
    .filter((p) => content !== undefined || !UNKNOWN_ID.test(p.message))
    .map((p) => ({ in: 'page', line: p.line, field: p.field, message: p.message }));
  const problems = (['slug', 'page', 'exercises'] as const).flatMap((input) => [
    ...inspected.problems.filter((p) => p.in === input),
    ...(input === 'page' ? pageProblems : []),
  ]);
  if (problems.length > 0 || !inspected.input) return { problems };
  return { problems, input: { ...inspected.input, html: rendered.html } };
}
