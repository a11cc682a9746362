import crypto from 'node:crypto';

/** Letters and digits that cannot be misread off a projector: no 0/O, 1/I/L. */
export const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export const CODE_LENGTH = { min: 6, max: 8 };
const CODE = new RegExp(`^[${CODE_ALPHABET}]{${CODE_LENGTH.min},${CODE_LENGTH.max}}$`);

/** A random code of `length` characters of the alphabet (unbiased: rejection sampling). */
export function randomCode(length: number = CODE_LENGTH.min): string {
  let code = '';
  while (code.length < length) code += CODE_ALPHABET[crypto.randomInt(CODE_ALPHABET.length)];
  return code;
}

/**
 * A code no live class has: six characters (31^6, about 900 million) while that finds a free one
 * quickly, longer ones after repeated collisions.
 */
export function newJoinCode(
  taken: (code: string) => boolean,
  random: (length: number) => string = randomCode,
): string {
  for (let length = CODE_LENGTH.min; length <= CODE_LENGTH.max; length++) {
    for (let attempt = 0; attempt < 10; attempt++) {
      const code = random(length);
      if (!taken(code)) return code;
    }
  }
  throw new Error('No free join code was found.');
}

/** A code as a learner typed it (any case, spaces or dashes), as it is stored; undefined when it cannot be one. */
export function normalizeCode(input: unknown): string | undefined {
  if (typeof input !== 'string' || input.length > 32) return undefined;
  const code = input.replace(/[\s-]/g, '').toUpperCase();
  return CODE.test(code) ? code : undefined;
}
