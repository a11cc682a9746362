import type { Course } from '../../../engine/src/index.ts';
import { ApiError } from '../http/api-error.ts';

/** Fixtures of the classroom's specs. A two-lesson course: only what classes and rosters read of it. */
export const twoLessonCourse = {
  lessons: [
    { slug: 'first-container', exercises: [{ id: 'run-hello' }, { id: 'list' }], quizzes: [] },
    { slug: 'volumes', exercises: [{ id: 'mount' }], quizzes: [{ id: 'why' }] },
  ],
} as unknown as Course;

/** The ApiError that `run` throws; fails the spec when it throws none (or something else). */
export function refusal(run: () => unknown): ApiError {
  try {
    run();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}
