// The public API of the exercise engine: the lesson schema, the course catalogue and the check runner.
export type { ExecOptions, ExecResult, Sandbox } from './sandbox.ts';
export * from './lesson-schema.ts';
export { gradeQuiz, publicQuiz } from './quiz-grading.ts';
export { runCheck, runExercise } from './check-runner.ts';
export { PROOF_SCRIPT_TIMEOUT_MS, proveLesson } from './lesson-proof.ts';
export type {
  LessonProofResult,
  ProofStep,
  ProofStepState,
  ProveOptions,
  ProvedCheck,
} from './lesson-proof.ts';
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
  parseYaml,
} from './lesson-catalogue.ts';
export type {
  Course,
  Lesson,
  LessonContent,
  LessonIssue,
  LoadCourseOptions,
  ParseYamlOptions,
} from './lesson-catalogue.ts';
export * from './contract.ts';
export { formatBytes, parseSize } from './bytes.ts';
