import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Loader, LoaderContext } from 'astro/loaders';
import type { PublicQuiz } from '../../../engine/src/contract.ts';
import { loadCourse, publicQuiz, readCourse, type Lesson } from '../../../engine/src/index.ts';
import { isLessonSource, lessonProblems, oneAtATime, pagesToDrop, problemCount } from './course-watch.ts';

/** What a page may know about an exercise: never its checks or solve script. */
export interface ExerciseSummary {
  id: string;
  title: string;
  /** Checked in the background while the learner works (`auto: true` in exercises.yaml). */
  auto?: boolean;
}

/** What the pages show of one lesson, taken from the engine's catalogue (the server's own). */
export interface LessonPage {
  /** The folder name, e.g. `01-first-container`. */
  folder: string;
  /** The numeric folder prefix, used for ordering. */
  order: number;
  /** The folder name without its prefix, e.g. `first-container`; the page URL and the API's lesson id. */
  slug: string;
  title: string;
  summary: string;
  minutes?: number;
  exercises: ExerciseSummary[];
  /** Questions and options only: answers and explanations stay on the server. */
  quizzes: PublicQuiz[];
  /** True when the lesson or one of its exercises has a setup script ("Reset this lesson" re-runs it). */
  hasSetup: boolean;
  /** How many machines (node1…nodeN) the lesson's session has, from its frontmatter; 1 when unset. */
  machines?: number;
}

/** The page's view of a lesson the engine loaded: no checks, solve scripts or answers. */
export function lessonPage(lesson: Lesson): LessonPage {
  return {
    folder: path.basename(path.dirname(lesson.file)),
    order: lesson.order,
    slug: lesson.slug,
    title: lesson.title,
    summary: lesson.summary,
    ...(lesson.minutes === undefined ? {} : { minutes: lesson.minutes }),
    exercises: lesson.exercises.map(({ id, title, auto }) => ({ id, title, ...(auto ? { auto } : {}) })),
    quizzes: lesson.quizzes.map(publicQuiz),
    hasSetup: lesson.setup !== undefined || lesson.exercises.some((e) => e.setup !== undefined),
    ...(lesson.machines > 1 ? { machines: lesson.machines } : {}),
  };
}

/**
 * The lesson pages of a lessons folder: exactly the lessons the sandbox-server loads (the same
 * `loadCourse`), so a page never calls the API about an exercise the server does not know. Throws
 * the engine's `LessonError` (one `file:line: field: message` per problem) for a bad lesson.
 */
export async function lessonPages(lessonsDir: string): Promise<(LessonPage & { file: string })[]> {
  const course = await loadCourse(lessonsDir);
  return course.lessons.map((lesson) => ({ ...lessonPage(lesson), file: lesson.file }));
}

/**
 * Astro content loader: one entry per lesson the engine loads, id = the folder name, data = its
 * `LessonPage`, body = the lesson's MDX, rendered by the MDX integration like a glob entry.
 *
 * `astro build` fails with every problem. Under `astro dev` (it has a watcher) a lesson with
 * problems never stops the server: the good lessons are shown, a broken one keeps its last good
 * page, `lessonProblemsLoader` puts the problems on every page, and any change to a lesson folder
 * (a file edited, a folder added or removed) loads the course again.
 */
export function courseLoader(options: { lessonsDir: string }): Loader {
  return {
    name: 'dockyard-course',
    load: async (context) => {
      const lessonsDir = lessonsPath(context, options.lessonsDir);
      if (!context.watcher) {
        await syncLessons(context, lessonsDir);
        return;
      }
      const sync = oneAtATime(() =>
        syncDevLessons(context, lessonsDir).catch((error: unknown) =>
          context.logger.error(error instanceof Error ? error.message : String(error)),
        ),
      );
      await sync();
      watchLessons(context, lessonsDir, sync);
    },
  };
}

/**
 * Astro content loader of the problems `npm run lessons -- validate` would print: under `astro dev`
 * one entry, `current`, whose `problems` are kept up to date and printed in its terminal. Empty in a
 * build, which `courseLoader` fails instead.
 */
export function lessonProblemsLoader(options: { lessonsDir: string }): Loader {
  return {
    name: 'dockyard-lesson-problems',
    load: async (context) => {
      if (!context.watcher) {
        context.store.clear();
        return;
      }
      const lessonsDir = lessonsPath(context, options.lessonsDir);
      let shown: string | undefined;
      const sync = oneAtATime(async () => {
        const problems = await readCourse(lessonsDir)
          .then(({ issues }) => lessonProblems(issues))
          .catch((error: unknown) => [
            { text: error instanceof Error ? error.message : String(error), file: '', line: 0 },
          ]);
        const text = problems.map((problem) => problem.text).join('\n');
        if (text === shown) return;
        if (problems.length > 0) context.logger.error(`${text}\n${problemCount(problems.length)}`);
        else if (shown) context.logger.info('The lessons validate again.');
        shown = text;
        const data = await context.parseData({ id: 'current', data: { problems } });
        context.store.set({ id: 'current', data, digest: context.generateDigest(text) });
      });
      await sync();
      watchLessons(context, lessonsDir, sync);
    },
  };
}

function lessonsPath(context: LoaderContext, lessonsDir: string): string {
  return fileURLToPath(new URL(lessonsDir, context.config.root));
}

/** Runs `sync` on every watcher event about a lesson's own files or a lesson folder. */
function watchLessons(context: LoaderContext, lessonsDir: string, sync: () => Promise<void>): void {
  context.watcher?.add(lessonsDir);
  context.watcher?.on('all', (_event, changed) => {
    if (isLessonSource(changed, lessonsDir)) void sync();
  });
}

async function syncLessons(context: LoaderContext, lessonsDir: string): Promise<void> {
  const pages = await lessonPages(lessonsDir);
  context.store.clear();
  for (const page of pages) await setLesson(context, page);
}

/** The good lessons; a lesson with problems keeps the page it had, a lesson that is gone loses it. */
async function syncDevLessons(context: LoaderContext, lessonsDir: string): Promise<void> {
  const { lessons, issues } = await readCourse(lessonsDir);
  const pages = lessons.map((lesson) => ({ ...lessonPage(lesson), file: lesson.file }));
  const shown = [...context.store.keys()];
  for (const folder of pagesToDrop(
    shown,
    pages.map((page) => page.folder),
    issues,
    lessonsDir,
  ))
    context.store.delete(folder);
  for (const page of pages) await setLesson(context, page);
}

async function setLesson(context: LoaderContext, { file, ...page }: LessonPage & { file: string }) {
  const { store, config, parseData, generateDigest } = context;
  const root = fileURLToPath(config.root);
  const body = await readFile(file, 'utf8');
  const data = await parseData({ id: page.folder, data: { ...page }, filePath: file });
  store.set({
    id: page.folder,
    data,
    body,
    filePath: path.relative(root, file).split(path.sep).join('/'),
    // exercises.yaml changes the data without touching the MDX: both go into the digest.
    digest: generateDigest(body + JSON.stringify(data)),
    deferredRender: true,
  });
}
