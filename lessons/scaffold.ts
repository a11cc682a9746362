// `npm run lessons -- new <slug>`: a new lesson folder with a page and one exercise that passes its
// own proof, for an author to change into theirs.
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { scaffoldCommand, scaffoldExercises, scaffoldPageBody } from './scaffold-text.ts';

/** A lesson slug: the page's URL and the API's lesson id. */
const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** A title from a slug: `multi-stage-builds` → `Multi stage builds`. */
function titleOf(slug: string): string {
  const words = slug.replace(/-/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function page(title: string): string {
  return `---
title: ${title}
summary: One sentence that says what the learner will be able to do after this lesson.
minutes: 10
---

${scaffoldPageBody({
  run: `<Run command="${scaffoldCommand}" />`,
  exercise: '<Exercise id="write-a-file" />',
})}`;
}

/**
 * Makes `<dir>/<NN>-<slug>/` with a lesson page and an exercises.yaml whose one exercise proves
 * (its check fails on a fresh machine and passes after its solve). `NN` follows the highest
 * number in `dir`. Answers the new folder; refuses a bad slug or one the course already has.
 */
export async function scaffoldLesson(dir: string, slug: string): Promise<string> {
  if (!SLUG.test(slug) || slug.length > 40)
    throw new Error(`"${slug}" is not a lesson slug: use 1 to 40 of a-z, 0-9 and single dashes.`);
  const folders = (await readdir(dir, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name);
  const taken = folders.find((f) => f.replace(/^\d+-/, '') === slug);
  if (taken) throw new Error(`The course has a lesson "${slug}" already: ${path.join(dir, taken)}.`);
  const highest = Math.max(0, ...folders.map((f) => Number(/^(\d+)-/.exec(f)?.[1] ?? 0)));
  const folder = path.join(dir, `${String(highest + 1).padStart(2, '0')}-${slug}`);
  await mkdir(folder);
  await writeFile(path.join(folder, 'lesson.mdx'), page(titleOf(slug)));
  await writeFile(path.join(folder, 'exercises.yaml'), scaffoldExercises);
  return folder;
}
