import { defineCollection } from 'astro:content';
import { z } from 'astro/zod';
import { maxMachines } from './lib/lesson-machines.ts';
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
  // The engine's page data as is, but `machines`, which the lesson page puts on <main data-machines>
  // for the session (site/src/lib/session.ts), is checked here too: a whole number 1–5.
  schema: z.custom<Omit<LessonPage, 'machines'>>().and(
    z.object({
      machines: z
        .number()
        .int()
        .min(1)
        .max(maxMachines)
        .optional()
        .describe(
          'How many machines (node1…nodeN, one private network) the lesson’s session has; 1 when unset.',
        ),
    }),
  ),
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
