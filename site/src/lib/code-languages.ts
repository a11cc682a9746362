import { yaml } from '@codemirror/lang-yaml';
import { markdownLanguage } from '@codemirror/lang-markdown';
import { LanguageSupport, StreamLanguage, type StringStream } from '@codemirror/language';
import type { Extension } from '@codemirror/state';
import type { FileLanguage } from './file-editor.ts';

// Highlighting for the file editor. YAML and Markdown have CodeMirror's own parsers; Dockerfile,
// shell, Python and Go get a small line tokenizer here (comments, strings, keywords, numbers,
// variables), enough to read by, until @codemirror/lang-python, @codemirror/lang-go and
// @codemirror/legacy-modes are dependencies. Anything else is plain text.

interface Words {
  name: string;
  keywords: string[];
  /** Words at the start of a line only (Dockerfile instructions). */
  leading?: string[];
  comment: string;
  /** `$NAME` and `${…}` are variables. */
  dollars?: boolean;
  /** Go's `//` and block comments. */
  blockComment?: boolean;
  /** Python's triple quotes. */
  tripleQuotes?: boolean;
}

interface State {
  inBlock: string | null;
}

function wordsLanguage(words: Words): StreamLanguage<State> {
  const keywords = new Set(words.keywords);
  const leading = new Set(words.leading ?? []);
  return StreamLanguage.define<State>({
    name: words.name,
    startState: () => ({ inBlock: null }),
    token(stream: StringStream, state: State) {
      if (state.inBlock) {
        while (!stream.eol()) {
          if (stream.match(state.inBlock)) {
            const wasComment = state.inBlock === '*/';
            state.inBlock = null;
            return wasComment ? 'comment' : 'string';
          }
          stream.next();
        }
        return state.inBlock === '*/' ? 'comment' : 'string';
      }
      if (stream.eatSpace()) return null;
      if (stream.match(words.comment)) {
        stream.skipToEnd();
        return 'comment';
      }
      if (words.blockComment && stream.match('/*')) {
        state.inBlock = '*/';
        return 'comment';
      }
      if (words.tripleQuotes && (stream.match('"""') || stream.match("'''"))) {
        state.inBlock = stream.current();
        return 'string';
      }
      const quote = stream.peek();
      if (quote === '"' || quote === "'" || quote === '`') {
        stream.next();
        let escaped = false;
        let ch: string | void;
        while ((ch = stream.next()) !== undefined) {
          if (ch === quote && !escaped) break;
          escaped = !escaped && ch === '\\' && quote !== "'";
        }
        return 'string';
      }
      if (words.dollars && stream.match(/^\$(\{[^}]*\}|[A-Za-z_][A-Za-z0-9_]*|[0-9@#?$!*-])/))
        return 'variableName';
      if (stream.match(/^[0-9][0-9._xXa-fA-F]*/)) return 'number';
      const word = stream.match(/^[A-Za-z_][A-Za-z0-9_-]*/) as RegExpMatchArray | null;
      if (word) {
        const text = word[0];
        if (leading.has(text.toUpperCase()) && stream.string.slice(0, stream.start).trim() === '')
          return 'keyword';
        return keywords.has(text) ? 'keyword' : null;
      }
      stream.next();
      return null;
    },
    languageData: { commentTokens: { line: words.comment } },
  });
}

const shellKeywords = [
  'if',
  'then',
  'else',
  'elif',
  'fi',
  'for',
  'while',
  'until',
  'do',
  'done',
  'case',
  'esac',
  'in',
  'function',
  'return',
  'export',
  'local',
  'set',
  'exit',
];

const languages: Record<Exclude<FileLanguage, 'text'>, () => Extension> = {
  yaml: () => yaml(),
  markdown: () => new LanguageSupport(markdownLanguage),
  shell: () => wordsLanguage({ name: 'shell', keywords: shellKeywords, comment: '#', dollars: true }),
  dockerfile: () =>
    wordsLanguage({
      name: 'dockerfile',
      keywords: ['AS', 'as'],
      leading: [
        'FROM',
        'RUN',
        'CMD',
        'LABEL',
        'EXPOSE',
        'ENV',
        'ADD',
        'COPY',
        'ENTRYPOINT',
        'VOLUME',
        'USER',
        'WORKDIR',
        'ARG',
        'ONBUILD',
        'STOPSIGNAL',
        'HEALTHCHECK',
        'SHELL',
        'MAINTAINER',
      ],
      comment: '#',
      dollars: true,
    }),
  python: () =>
    wordsLanguage({
      name: 'python',
      keywords: [
        'and',
        'as',
        'assert',
        'async',
        'await',
        'break',
        'class',
        'continue',
        'def',
        'del',
        'elif',
        'else',
        'except',
        'False',
        'finally',
        'for',
        'from',
        'global',
        'if',
        'import',
        'in',
        'is',
        'lambda',
        'None',
        'nonlocal',
        'not',
        'or',
        'pass',
        'raise',
        'return',
        'True',
        'try',
        'while',
        'with',
        'yield',
      ],
      comment: '#',
      tripleQuotes: true,
    }),
  go: () =>
    wordsLanguage({
      name: 'go',
      keywords: [
        'break',
        'case',
        'chan',
        'const',
        'continue',
        'default',
        'defer',
        'else',
        'fallthrough',
        'for',
        'func',
        'go',
        'goto',
        'if',
        'import',
        'interface',
        'map',
        'package',
        'range',
        'return',
        'select',
        'struct',
        'switch',
        'type',
        'var',
        'nil',
        'true',
        'false',
      ],
      comment: '//',
      blockComment: true,
    }),
};

/** The editor extension that highlights a file of this language (none for plain text). */
export function languageExtension(language: FileLanguage): Extension {
  return language === 'text' ? [] : languages[language]();
}
