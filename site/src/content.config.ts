import { defineCollection } from 'astro:content';
import { glob } from 'astro/loaders';
import { z } from 'astro/zod';
import { lessonFrontmatterSchema, type LessonFrontmatter } from '../../engine/src/lesson-schema.ts';

/**
 * Astro validates with its own zod 3; the course schema is zod 4. This bridge runs the course schema
 * and reports its issues through Astro, so a bad frontmatter fails the build with the file named.
 */
const frontmatterSchema = z.unknown().transform((data, ctx): LessonFrontmatter => {
  const result = lessonFrontmatterSchema.safeParse(data);
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    ctx.addIssue({
      code: 'custom',
      path: issue.path.filter((key): key is string | number => typeof key !== 'symbol'),
      message: issue.message,
    });
  }
  return z.NEVER;
});

/** One entry per lesson folder: `lessons/<NN>-<slug>/lesson.mdx`, id = the folder name. */
const lessons = defineCollection({
  // A relative base is resolved against the site root (`--root site`), whatever the working directory.
  loader: glob({
    pattern: '*/lesson.mdx',
    base: '../lessons/',
    generateId: ({ entry }) => entry.split('/')[0] ?? entry,
  }),
  schema: frontmatterSchema,
});

export const collections = { lessons };
