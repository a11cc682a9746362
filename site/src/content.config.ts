import { defineCollection } from 'astro:content';
import { z } from 'astro/zod';
import { courseLoader, type LessonPage } from './lib/course-loader.ts';

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

export const collections = { lessons };
