import type { Course } from '../../../engine/src/index.ts';

/** A two-lesson course for the classroom's specs: only what classes and rosters read of it. */
export const twoLessonCourse = {
  lessons: [
    { slug: 'first-container', exercises: [{ id: 'run-hello' }, { id: 'list' }], quizzes: [] },
    { slug: 'volumes', exercises: [{ id: 'mount' }], quizzes: [{ id: 'why' }] },
  ],
} as unknown as Course;
