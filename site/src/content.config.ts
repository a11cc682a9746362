import { defineCollection } from 'astro:content';
import { z } from 'astro/zod';
import { courseLoader, lessonProblemsLoader, type LessonPage } from './lib/course-loader.ts';
import type { LessonProblem } from './lib/course-watch.ts';

/**
 * One entry per lesson, read by the engine's own loader (`loadCourse`, as the sandbox-server reads
 * them): id = the folder name, data = what the pages show, body = `lesson.mdx`. The engine validates
 * frontmatter and exercises.yaml and fails the build with every problem as `file:line: field: message`.
 */
const lessons = defineCollection({
  // A relative folder is resolved against the site root (`--root site`), whatever the working directory.
  loader: courseLoader({ lessonsDir: '../lessons/' }),
  schema: z.custom<LessonPage>(),
});

/**
 * Under `astro dev` (`npm run lessons -- dev`), the problems `npm run lessons -- validate` would
 * print, in one entry (`current`) kept up to date as lessons change; every page shows them
 * (`LessonProblems.astro`).
 */
const lessonProblems = defineCollection({
  loader: lessonProblemsLoader({ lessonsDir: '../lessons/' }),
  schema: z.custom<{ problems: LessonProblem[] }>(),
});

export const collections = { lessons, lessonProblems };
