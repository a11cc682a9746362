import { describe, expect, it } from 'vitest';
import { CODE_ALPHABET, newJoinCode, normalizeCode, randomCode } from './join-codes.ts';

describe('join codes', () => {
  it('use no character that can be misread (0/O, 1/I/L)', () => {
    for (const ambiguous of '0O1IL') expect(CODE_ALPHABET).not.toContain(ambiguous);
    expect(new Set(CODE_ALPHABET).size).toBe(CODE_ALPHABET.length);
    for (let i = 0; i < 200; i++) expect(randomCode(6)).toMatch(/^[2-9A-HJKMNP-Z]{6}$/);
    expect(randomCode(8)).toHaveLength(8);
  });

  it('are unique among the codes taken, growing longer after repeated collisions', () => {
    const taken = new Set(['AAAAAA']);
    let calls = 0;
    const code = newJoinCode(
      (c) => taken.has(c),
      (length) => (++calls < 3 ? 'AAAAAA' : 'B'.repeat(length)),
    );
    expect(code).toBe('BBBBBB');
    // Every six-character code taken: a seven-character one.
    expect(newJoinCode((c) => c.length === 6, randomCode)).toHaveLength(7);
    expect(() => newJoinCode(() => true)).toThrow('No free join code was found.');
  });

  it('are read as typed: any case, spaces and dashes ignored; anything else is not a code', () => {
    expect(normalizeCode('abc-def')).toBe('ABCDEF');
    expect(normalizeCode(' 23 45 67 8 ')).toBe('2345678');
    for (const input of ['ABCDE', 'ABCDEFGHJ', 'ABC0EF', 'OIL123', '<script>', 42, null, 'A'.repeat(40)])
      expect(normalizeCode(input)).toBeUndefined();
  });
});
