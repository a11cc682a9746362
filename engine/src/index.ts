// The public API of the exercise engine: the lesson schema, the course catalogue, the check runner and
// the renderer of instructors' pages and the Killercoda importer.
export type { ExecOptions, ExecResult, Sandbox } from './sandbox.ts';
export { onMachine } from './sandbox.ts';
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
  readCourse,
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
export {
  importKillercodaFiles,
  importKillercodaZip,
  killercodaLimits,
  scenarioSlug,
} from './import/killercoda.ts';
export type {
  ExercisesFileInput,
  KillercodaFilesOptions,
  KillercodaImport,
  KillercodaLimits,
  KillercodaZipOptions,
  ReportEntry as ImportReportEntry,
} from './import/killercoda.ts';
export { fitsLabel } from './import/killercoda-markdown.ts';
export { ImportError } from './import/import-error.ts';
export { defaultUnzipLimits, safeUnzip } from './import/safe-unzip.ts';
export type { UnzipLimits } from './import/safe-unzip.ts';
export { maxPageBytes, maxPageNesting, pageSanitizeSchema, renderPage } from './pages/render-page.ts';
export type { PageContext, PageProblem, RenderedPage } from './pages/render-page.ts';
