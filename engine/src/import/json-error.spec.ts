import { describe, expect, it } from 'vitest';
import { findJsonMistake } from './json-error.ts';

describe('findJsonMistake', () => {
  it.each(['{}', '[]', '{"a": [1, -2.5e3, true, false, null, "x\\n\\u00e9"]}', ' \n{"a":{"b":[{}]}}\n'])(
    'finds nothing wrong in %s',
    (text) => {
      expect(() => JSON.parse(text)).not.toThrow();
      expect(findJsonMistake(text)).toBeUndefined();
    },
  );

  it.each([
    ['{\n  "a": 1,\n}', 3, 1, 'expected a property name in double quotes, found "}"'],
    ['{\n  "a": [1 2]\n}', 2, 11, 'expected "," or "]", found "2"'],
    ["{'a': 1}", 1, 2, 'expected a property name in double quotes, found "\'"'],
    ['{"a": tru}', 1, 7, 'expected a value, found "t"'],
    ['{"a": "b', 1, 9, 'a string is not closed'],
    ['{"a": 1} x', 1, 10, 'expected the end of the file, found "x"'],
    ['', 1, 1, 'expected a value, found the end of the file'],
    ['{"a": "\\q"}', 1, 8, 'a backslash in a string must start an escape such as \\n or \\"'],
  ])('places the mistake in %j', (text, line, column, message) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(findJsonMistake(text)).toEqual({ line, column, message });
  });
});
