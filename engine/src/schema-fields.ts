import { z } from 'zod';

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

export const regexSchema = z.string().refine(isValidRegex, { error: 'Not a valid regular expression.' });

const sizePattern = /^\s*(\d+(?:\.\d+)?)\s*([kmg]i?b?|b)?\s*$/i;

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

/** Bytes in a size written as Docker writes it: `256m`, `1.5g`, `20MB`; k, m and g are powers of 1024. */
export function parseSize(text: string): number {
  const match = sizePattern.exec(text);
  if (!match?.[1]) throw new Error(`Not a size: ${text}`);
  const unit = (match[2] ?? 'b').toLowerCase()[0] ?? 'b';
  const power = { b: 0, k: 1, m: 2, g: 3 }[unit] ?? 0;
  return Math.round(Number(match[1]) * 1024 ** power);
}

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
