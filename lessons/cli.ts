// The lesson authors' command line: `tsx lessons/cli.ts validate [dir]`, `test [lesson] [exercise]`,
// `new <slug>` and `dev`.
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatLessonIssue, LessonError, loadCourse } from '../engine/src/index.ts';
import type { Lesson } from '../engine/src/index.ts';
import { CourseProver, formatProof } from './course-proof.ts';
import { scaffoldLesson } from './scaffold.ts';
import type { ExerciseProof } from './course-proof.ts';
import { problemCount } from '../site/src/lib/course-watch.ts';
import { devApiTarget } from '../site/src/lib/dev-server.ts';

const usage =
  'Usage: tsx lessons/cli.ts validate [lessons-dir] | test [lesson] [exercise] | new <slug> | dev  (lesson: slug, folder name or number)';

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
    console.error(problemCount(error.issues.length));
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
    console.log(`See it as you write: npm run lessons -- dev, then open /lessons/${slug}/.`);
    return 0;
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    return 2;
  }
}

/**
 * Astro's dev server for the site: pages reload as lessons change and show their problems (the
 * content loader watches lessons/). `/api` and the terminals go to a Dockyard server if one runs.
 * Ctrl-C stops it.
 */
async function dev(): Promise<number> {
  const port = await freePort(Number(process.env.DOCKYARD_DEV_PORT ?? 4321));
  const api = devApiTarget();
  const root = path.dirname(lessonsDir);
  const astro = spawn(
    path.join(root, 'node_modules', '.bin', 'astro'),
    ['dev', '--root', 'site', '--port', String(port)],
    { cwd: root, stdio: 'inherit' },
  );
  const exited = new Promise<number>((resolve) => {
    astro.on('exit', (code, signal) =>
      resolve(signal === 'SIGINT' || signal === 'SIGTERM' ? 0 : (code ?? 1)),
    );
    astro.on('error', (error) => {
      console.error(`Could not start astro dev: ${error.message}`);
      resolve(1);
    });
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => astro.kill(signal));

  const url = `http://localhost:${port}/`;
  if (await answers(url, exited)) {
    const server = await answers(`${api}/api/health`, exited, 1);
    console.log(`\nLessons: ${url}  (reloads as lessons/ changes; problems show on every page)`);
    console.log(
      server
        ? `API and terminals: the Dockyard server at ${api}.`
        : `API: nothing answers at ${api}. The pages work; for the terminal and checks run npm start in another terminal (or set DOCKYARD_API_URL).`,
    );
    console.log('Ctrl-C stops the dev server.\n');
  }
  return exited;
}

/** `preferred`, or the next port up that nothing listens on. */
async function freePort(preferred: number): Promise<number> {
  for (let port = preferred; port < preferred + 50; port++) {
    const free = await new Promise<boolean>((resolve) => {
      const probe = net.createServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, 'localhost', () => probe.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error(`No free port from ${preferred} to ${preferred + 49}.`);
}

/** True once `url` answers at all; false after `seconds` or when `stopped` settles first. */
async function answers(url: string, stopped: Promise<unknown>, seconds = 60): Promise<boolean> {
  let done = false;
  void stopped.then(() => (done = true));
  for (const deadline = Date.now() + seconds * 1000; !done && Date.now() < deadline;) {
    const ok = await fetch(url, { signal: AbortSignal.timeout(10_000) }).then(
      () => true,
      () => false,
    );
    if (ok) return true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
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
    case 'dev':
      return dev();
    default:
      console.error(command === undefined ? usage : `Unknown command "${command}". ${usage}`);
      return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));
