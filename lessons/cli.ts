// The lesson authors' command line: `tsx lessons/cli.ts validate [dir]`, `test [lesson] [exercise]`
// and `new <slug>`.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatLessonIssue, LessonError, loadCourse } from '../engine/src/index.ts';
import type { Lesson } from '../engine/src/index.ts';
import { CourseProver, formatProof } from './course-proof.ts';
import { scaffoldLesson } from './scaffold.ts';
import type { ExerciseProof } from './course-proof.ts';

const usage =
  'Usage: tsx lessons/cli.ts validate [lessons-dir] | test [lesson] [exercise] | new <slug>  (lesson: slug, folder name or number)';

/** Validates every lesson in `dir`; prints `ok: …` or one `file:line: field: message` per problem. */
async function validate(dir: string): Promise<number> {
  try {
    const course = await loadCourse(dir);
    const exercises = course.lessons.reduce((sum, lesson) => sum + lesson.exercises.length, 0);
    console.log(`ok: ${course.lessons.length} lessons, ${exercises} exercises`);
    return 0;
  } catch (error) {
    if (!(error instanceof LessonError)) throw error;
    for (const issue of error.issues) console.error(formatLessonIssue(issue));
    console.error(`${error.issues.length} problem${error.issues.length === 1 ? '' : 's'} found.`);
    return 1;
  }
}

/** Proves exercises in fresh sandboxes of a real server: checks fail before solve, pass after. */
async function test(lessonFilter?: string, exerciseFilter?: string): Promise<number> {
  const course = await loadCourse(lessonsDir);
  const lessons = course.lessons.filter((lesson) => matchesLesson(lesson, lessonFilter));
  if (lessons.length === 0) {
    console.error(`No lesson matches "${lessonFilter ?? ''}".`);
    return 2;
  }
  const prover = new CourseProver();
  const started = Date.now();
  await prover.start();
  const proofs: ExerciseProof[] = [];
  try {
    for (const lesson of lessons) {
      for (const exercise of lesson.exercises) {
        if (exerciseFilter !== undefined && exercise.id !== exerciseFilter) continue;
        const proof = await prover.prove(lesson, exercise);
        console.log(formatProof(proof));
        proofs.push(proof);
      }
    }
  } finally {
    await prover.stop();
  }
  const countOf = (status: ExerciseProof['status']) => proofs.filter((p) => p.status === status).length;
  console.log(
    `${countOf('proved')} proved, ${countOf('defect')} defects, ${countOf('skipped')} skipped in ${Math.round((Date.now() - started) / 1000)} s.`,
  );
  return countOf('defect') > 0 ? 1 : 0;
}

/** Makes a new lesson folder with a page and an exercise that proves, and says what to do next. */
async function scaffold(slug: string | undefined): Promise<number> {
  if (!slug) {
    console.error(`Name the lesson: npm run lessons -- new <slug>. ${usage}`);
    return 2;
  }
  try {
    const folder = await scaffoldLesson(lessonsDir, slug);
    const shown = path.relative(process.cwd(), folder);
    console.log(`Made ${shown}/lesson.mdx and ${shown}/exercises.yaml.`);
    console.log(`Prove its exercise in a fresh machine: npm run lessons -- test ${slug}`);
    console.log(`See it: npm start, then open /lessons/${slug}/ (rebuilt by npm start).`);
    return 0;
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    return 2;
  }
}

function matchesLesson(lesson: Lesson, filter: string | undefined): boolean {
  if (filter === undefined) return true;
  const folder = path.basename(path.dirname(lesson.file));
  return (
    filter === lesson.slug || filter === folder || (/^\d+$/.test(filter) && Number(filter) === lesson.order)
  );
}

const lessonsDir = path.dirname(fileURLToPath(import.meta.url));

async function main(args: string[]): Promise<number> {
  const [command, first, second] = args;
  switch (command) {
    case 'validate':
      return validate(path.resolve(first ?? lessonsDir));
    case 'test':
      return test(first, second);
    case 'new':
      return scaffold(first);
    default:
      console.error(command === undefined ? usage : `Unknown command "${command}". ${usage}`);
      return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));
