import { getCollection, type CollectionEntry } from 'astro:content';
import type { PublicQuiz } from '../../../engine/src/contract.ts';
import type { ExerciseSummary, LessonPage } from './course-loader.ts';

export type { ExerciseSummary } from './course-loader.ts';
export { progressItems } from './progress.ts';

/** What the MDX author components need to know about the lesson they render in. */
export interface LessonContext {
  slug: string;
  exercises: ExerciseSummary[];
  /** Questions and options only: answers and explanations stay on the server. */
  quizzes: PublicQuiz[];
}

/** A lesson page's data (from the engine's catalogue) and its collection entry, to render the MDX. */
export interface Lesson extends LessonPage {
  entry: CollectionEntry<'lessons'>;
}

/** Every lesson, ordered by its folder prefix. */
export async function getLessons(): Promise<Lesson[]> {
  const entries: CollectionEntry<'lessons'>[] = await getCollection('lessons');
  const lessons = entries.map((entry): Lesson => ({ ...(entry.data as LessonPage), entry }));
  return lessons.sort((a, b) => a.order - b.order || a.folder.localeCompare(b.folder));
}
