// The public API of the exercise engine: the lesson schema, the course catalogue, the check runner and
// the renderer of instructors' pages.
export type { ExecOptions, ExecResult, Sandbox } from './sandbox.ts';
export * from './lesson-schema.ts';
export { gradeQuiz, publicQuiz } from './quiz-grading.ts';
export { runCheck, runExercise } from './check-runner.ts';
export { exerciseWithVars, substituteVars, withVars } from './substitution.ts';
export type { RunOptions } from './check-runner.ts';
export {
  familiarImageReference,
  normaliseImageReference,
  parseImageReference,
  sameImageReference,
} from './image-reference.ts';
export type { ImageReference } from './image-reference.ts';
export {
  findExerciseUsages,
  findQuizUsages,
  formatLessonIssue,
  LessonError,
  loadCourse,
} from './lesson-catalogue.ts';
export type { Course, Lesson, LessonIssue, LoadCourseOptions } from './lesson-catalogue.ts';
export * from './contract.ts';
export { formatBytes, parseSize } from './bytes.ts';
export { maxPageBytes, maxPageNesting, pageSanitizeSchema, renderPage } from './pages/render-page.ts';
export type { PageContext, PageProblem, RenderedPage } from './pages/render-page.ts';
