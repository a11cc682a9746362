// JSON.parse says what is wrong but not always where (V8 leaves the position out of "Unexpected token"
// messages). This scanner walks the text as strict JSON and stops at the first mistake, so that an
// instructor is told the line and column of it.

/** Where a JSON text first goes wrong, and how; undefined when it is valid JSON. */
export interface JsonMistake {
  /** 1-based. */
  line: number;
  column: number;
  message: string;
}

class Mistake extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

/** The first mistake in `text` read as JSON (RFC 8259), or undefined if there is none. */
export function findJsonMistake(text: string): JsonMistake | undefined {
  let at = 0;
  const fail = (message: string): never => {
    throw new Mistake(at, message);
  };
  const describe = (): string => (at >= text.length ? 'the end of the file' : `"${text[at]}"`);
  const space = (): void => {
    while (at < text.length && ' \t\n\r'.includes(text[at] ?? '')) at++;
  };
  const expect = (char: string, what: string): void => {
    space();
    if (text[at] !== char) fail(`expected ${what}, found ${describe()}`);
    at++;
  };
  const string = (): void => {
    at++; // the opening quote
    for (;;) {
      const char = text[at];
      if (char === undefined) return fail('a string is not closed');
      if (char === '"') {
        at++;
        return;
      }
      if (char === '\\') {
        const next = text[at + 1];
        if (next === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(at + 2, at + 6)))
            fail('a \\u escape needs four hex digits');
          at += 6;
        } else if (next !== undefined && '"\\/bfnrt'.includes(next)) {
          at += 2;
        } else {
          fail('a backslash in a string must start an escape such as \\n or \\"');
        }
        continue;
      }
      if (char.charCodeAt(0) < 0x20) fail('a string holds a line break or control character');
      at++;
    }
  };
  const value = (depth: number): void => {
    if (depth > 512) fail('the nesting is too deep');
    space();
    const char = text[at];
    if (char === '{') {
      at++;
      space();
      if (text[at] === '}') {
        at++;
        return;
      }
      for (;;) {
        space();
        if (text[at] !== '"') fail(`expected a property name in double quotes, found ${describe()}`);
        string();
        expect(':', '":"');
        value(depth + 1);
        space();
        if (text[at] === ',') {
          at++;
          continue;
        }
        if (text[at] === '}') {
          at++;
          return;
        }
        fail(`expected "," or "}", found ${describe()}`);
      }
    }
    if (char === '[') {
      at++;
      space();
      if (text[at] === ']') {
        at++;
        return;
      }
      for (;;) {
        value(depth + 1);
        space();
        if (text[at] === ',') {
          at++;
          continue;
        }
        if (text[at] === ']') {
          at++;
          return;
        }
        fail(`expected "," or "]", found ${describe()}`);
      }
    }
    if (char === '"') return string();
    const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(
      text.slice(at),
    )?.[0];
    if (!literal) fail(`expected a value, found ${describe()}`);
    at += literal?.length ?? 0;
  };

  try {
    value(0);
    space();
    if (at < text.length) fail(`expected the end of the file, found ${describe()}`);
    return undefined;
  } catch (error) {
    if (!(error instanceof Mistake)) throw error;
    const before = text.slice(0, error.offset).split('\n');
    return {
      line: before.length,
      column: (before[before.length - 1]?.length ?? 0) + 1,
      message: error.message,
    };
  }
}
