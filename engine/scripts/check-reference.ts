import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { withCheckReference } from '../src/checks/reference.ts';

// `npm run docs:checks`: rewrites the check reference in docs/authoring.md from the check schemas.

const authoring = fileURLToPath(new URL('../../docs/authoring.md', import.meta.url));
const before = await readFile(authoring, 'utf8');
const after = withCheckReference(before);
if (after === before) {
  console.log('docs/authoring.md: the check reference is up to date.');
} else {
  await writeFile(authoring, after);
  console.log('docs/authoring.md: the check reference is rewritten from the check schemas.');
}
