import { z } from 'zod';
import { parseSize, sizePattern } from './bytes.ts';

// Field schemas shared by the lesson schema and the check kinds: identifiers, scripts, names, regular
// expressions, sizes and environment entries.

const kebabCase = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export const idSchema = z
  .string()
  .regex(kebabCase, {
    error: 'Use kebab-case: lowercase letters, digits and single dashes, e.g. "run-hello-world".',
  })
  .describe('A kebab-case identifier, stable across edits because progress is stored against it.');

export const scriptSchema = z.string().trim().min(1, { error: 'The script is empty.' });

export const nameSchema = z.string().trim().min(1);

/** Most machines a lesson may ask for (`machines` in its frontmatter). */
export const MAX_MACHINES = 5;

/** The name of one machine of a lesson's, `node1` to `node5`: where a script or a check runs. */
export const machineSchema = z
  .string()
  .regex(/^node[1-5]$/, { error: `Name a machine node1 to node${MAX_MACHINES}.` })
  .describe(
    'The machine it runs on, in a lesson with several (`machines` in the frontmatter): `node1` to `node5`. Default `node1`.',
  );

export const regexSchema = z.string().refine(isValidRegex, { error: 'Not a valid regular expression.' });

/** A size in bytes, written as a number of bytes or as Docker writes sizes: `512m`, `1g`, `20MB` (powers of 1024). */
export const sizeSchema = z
  .union([
    z.int().positive(),
    z
      .string()
      .regex(sizePattern, { error: 'Write a size as bytes or with a unit, e.g. `256m`, `1g`, `20MB`.' }),
  ])
  .transform((size) => (typeof size === 'number' ? size : parseSize(size)))
  .describe('A size: bytes, or a number with k, m or g (powers of 1024), e.g. `256m`.');

export const envEntrySchema = z
  .string()
  .regex(/^[^=\s]+(=.*)?$/, { error: 'Write `KEY=VALUE`, or `KEY` alone to require only that it is set.' })
  .describe('`KEY=VALUE` (exactly that value) or `KEY` (set to anything).');

/** True when `source` compiles as a JavaScript regular expression. */
export function isValidRegex(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}
