// The class lessons a learner may open: lessons their instructor wrote and published for their class
// (docs/api.md, "Class exercises"). The site is static, so the class lesson page and the course index
// fetch them in the browser.

import type { PublicQuiz } from '../../../engine/src/contract.ts';
import { ApiError, apiRequest } from './api.ts';
import type { ExerciseSummary } from './course-loader.ts';

/** A class lesson as `GET /api/learner/class-lessons` lists it: never its checks, setup or answers. */
export interface ClassLessonSummary {
  slug: string;
  title: string;
  summary?: string;
  version: number;
  exercises: ExerciseSummary[];
  quizzes: PublicQuiz[];
}

/** One class lesson, as `GET /api/learner/class-lessons/{slug}` answers. */
export interface ClassLesson extends ClassLessonSummary {
  /** The Markdown as saved: shown as text at most, never as HTML. */
  page: string;
  /** The page rendered and sanitised by the server (renderPage), with its placeholders; safe as innerHTML. */
  html?: string;
  /** Whether the lesson has setup scripts; unknown (undefined) until the server says. */
  hasSetup?: boolean;
}

/** A class lesson's slug, as the server takes it: 1–40 characters of a-z, 0-9 and -. */
const slugPattern = /^[a-z0-9-]{1,40}$/;

/** Where a class lesson is opened. */
export function classLessonHref(slug: string): string {
  return `/class/lesson/?slug=${encodeURIComponent(slug)}`;
}

/** The slug in the page's query (`?slug=build-an-image`), or undefined when there is none that could be one. */
export function slugFromSearch(search: string): string | undefined {
  const slug = new URLSearchParams(search).get('slug') ?? '';
  return slugPattern.test(slug) ? slug : undefined;
}

/** The class lessons of every running class the learner is in; [] for a learner in none. */
export function listClassLessons(): Promise<ClassLessonSummary[]> {
  return apiRequest<ClassLessonSummary[]>('/api/learner/class-lessons');
}

/** The class lesson, or undefined when it is not open to this learner (not in its class, not published…). */
export async function getClassLesson(slug: string): Promise<ClassLesson | undefined> {
  try {
    return await apiRequest<ClassLesson>(`/api/learner/class-lessons/${encodeURIComponent(slug)}`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return undefined;
    throw error;
  }
}

/** The lesson's exercises and quizzes that its page does not place, to show after the page. */
export function unplacedItems(
  lesson: Pick<ClassLessonSummary, 'exercises' | 'quizzes'>,
  placed: { exercises: ReadonlySet<string>; quizzes: ReadonlySet<string> },
): Pick<ClassLessonSummary, 'exercises' | 'quizzes'> {
  return {
    exercises: lesson.exercises.filter((exercise) => !placed.exercises.has(exercise.id)),
    quizzes: lesson.quizzes.filter((quiz) => !placed.quizzes.has(quiz.id)),
  };
}

/** Letters and digits only, in lower case: what a heading and its Markdown source share. */
const lettersOf = (text: string) => text.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');

/**
 * Whether a heading of the rendered page is the one the lesson's title comes from. The server takes
 * the title from the Markdown as written (`Run \`docker ps\``, `[Docs](https://…)`), cut at 200
 * characters, while the heading reads as rendered: they are compared by their letters and digits.
 */
export function isTitleHeading(headingText: string, title: string): boolean {
  const heading = lettersOf(headingText);
  const source = lettersOf(title);
  return heading !== '' && source !== '' && (source.startsWith(heading) || heading.startsWith(source));
}
