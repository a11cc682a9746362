import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Loader, LoaderContext } from 'astro/loaders';
import type { PublicQuiz } from '../../../engine/src/contract.ts';
import { loadCourse, publicQuiz, type Lesson } from '../../../engine/src/index.ts';

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
 */
export function courseLoader(options: { lessonsDir: string }): Loader {
  return {
    name: 'dockyard-course',
    load: async (context) => {
      const lessonsDir = fileURLToPath(new URL(options.lessonsDir, context.config.root));
      await syncLessons(context, lessonsDir);
      context.watcher?.add(lessonsDir);
      context.watcher?.on('all', (_event, changed) => {
        if (!changed.startsWith(lessonsDir)) return;
        // While an author edits, a broken lesson is reported and the last good pages stay.
        syncLessons(context, lessonsDir).catch((error: unknown) =>
          context.logger.error(error instanceof Error ? error.message : String(error)),
        );
      });
    },
  };
}

async function syncLessons(context: LoaderContext, lessonsDir: string): Promise<void> {
  const { store, config, parseData, generateDigest } = context;
  const root = fileURLToPath(config.root);
  const pages = await lessonPages(lessonsDir);
  store.clear();
  for (const { file, ...page } of pages) {
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
}
