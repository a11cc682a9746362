import { CST, Lexer } from 'yaml';
import type { ApiErrorBody } from '../../../engine/src/contract.ts';
import { exercisesFileSchema, parseYaml } from '../../../engine/src/index.ts';
import type { ExercisesFile, LessonIssue } from '../../../engine/src/index.ts';
import { ApiError } from '../http/api-error.ts';

// What an instructor sends for a class lesson, checked: the slug, the page (Markdown) and the
// exercises (YAML in the course's own schema, through the same parser as `npm run lessons --
// validate`). Every problem is listed with its line, so the editor can mark each one.

/** A page is at most this many bytes of UTF-8. */
export const PAGE_MAX_BYTES = 1024 * 1024;
/** The exercises YAML is at most this many bytes of UTF-8. */
export const YAML_MAX_BYTES = 256 * 1024;
/** At most this many aliases (`*name`) in the YAML, and this far may they expand (`maxAliasCount`). */
export const YAML_MAX_ALIASES = 20;
/** At most this deep may the YAML nest (as counted by `yamlNesting`). */
export const YAML_MAX_DEPTH = 32;
/** A slug: 1 to 40 of a-z, 0-9 and `-`. */
export const CLASS_LESSON_SLUG = /^[a-z0-9-]{1,40}$/;
/** The longest title kept from the page's first heading. */
const TITLE_MAX = 200;
/** The longest summary kept from the page's first paragraph. */
const SUMMARY_MAX = 300;

/** One problem of a class lesson: which input it is in, its line there (when it has one), the field. */
export interface ContentProblem {
  /** The input at fault: `slug`, `page` or `exercises` (the YAML). */
  in: 'slug' | 'page' | 'exercises';
  /** 1-based line in that input; null when the problem is the input as a whole. */
  line: number | null;
  /** For the YAML, the field's path, e.g. `exercises[0].checks[1].kind` (empty for a syntax error). */
  field: string;
  message: string;
}

/** A 400 that lists every problem of the content: `{ error, problems }`. */
export class ContentError extends ApiError {
  constructor(readonly problems: ContentProblem[]) {
    const first = problems[0]!;
    const where = `${first.in}${first.line === null ? '' : ` line ${first.line}`}`;
    super(
      400,
      'bad_request',
      `The class lesson has ${problems.length} problem${problems.length === 1 ? '' : 's'}; the first, in ${where}: ${first.message}`,
      first.in,
    );
  }

  override toJSON(): ApiErrorBody & { problems: ContentProblem[] } {
    return { ...super.toJSON(), problems: this.problems };
  }
}

/** A class lesson as checked: what is stored, and what it says. */
export interface ClassLessonInput {
  slug: string;
  /** The Markdown, as sent. */
  page: string;
  /** The YAML, as sent (kept as the instructor wrote it, comments and all). */
  exercisesYaml: string;
  /** The page's first `# Heading`, else the slug. */
  title: string;
  /** The page's first paragraph of plain text, when it has one. */
  summary?: string;
  content: ExercisesFile;
  /** The page rendered to sanitized HTML (see class-lesson-check.ts); absent until it is rendered. */
  html?: string;
}

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
const kib = (n: number) => `${Math.ceil(n / 1024)} KiB`;

/**
 * Checks a class lesson sent by an instructor: the slug (not one of the course's), the page's size,
 * and the exercises YAML (its size, its aliases and nesting, then the course's schema). Throws a
 * ContentError listing every problem found.
 */
export function parseClassLessonInput(
  body: Record<string, unknown>,
  courseSlugs: ReadonlySet<string>,
): ClassLessonInput {
  const { input, problems } = inspectClassLessonInput(body, courseSlugs);
  if (!input) throw new ContentError(problems);
  return input;
}

/** What `inspectClassLessonInput` found: every problem, and the lesson when there is none. */
export interface InspectedInput {
  problems: ContentProblem[];
  input?: ClassLessonInput;
  /** The page, when it is text within its size (so worth rendering). */
  page?: string;
  /** The exercises, when the YAML passed (even if the slug or page did not). */
  content?: ExercisesFile;
}

/**
 * The checks of `parseClassLessonInput`, answered rather than thrown, with what passed of the input.
 * With `slugOptional`, a body without a slug is not a problem (checking a draft).
 */
export function inspectClassLessonInput(
  body: Record<string, unknown>,
  courseSlugs: ReadonlySet<string>,
  options: { slugOptional?: boolean } = {},
): InspectedInput {
  const problems: ContentProblem[] = [];
  const { slug, page, exercises } = body;

  // A draft may have no slug yet: then there is none to check.
  const draft = options.slugOptional === true && slug === undefined;
  if (!draft && (typeof slug !== 'string' || !CLASS_LESSON_SLUG.test(slug)))
    problems.push({
      in: 'slug',
      line: null,
      field: 'slug',
      message: 'The slug must be 1 to 40 characters of a-z, 0-9 and "-", e.g. "build-your-image".',
    });
  else if (typeof slug === 'string' && courseSlugs.has(slug))
    problems.push({
      in: 'slug',
      line: null,
      field: 'slug',
      message: `"${slug}" is the slug of a lesson of the course: choose another, so learners' progress on the two stays apart.`,
    });

  let text: string | undefined;
  if (typeof page !== 'string')
    problems.push({ in: 'page', line: null, field: 'page', message: 'The page must be Markdown text.' });
  else if (bytes(page) > PAGE_MAX_BYTES)
    problems.push({
      in: 'page',
      line: null,
      field: 'page',
      message: `The page is ${kib(bytes(page))}: at most ${kib(PAGE_MAX_BYTES)} (1 MiB). Move large output or images out of it.`,
    });
  else text = page;

  let content: ExercisesFile | undefined;
  if (typeof exercises !== 'string')
    problems.push({
      in: 'exercises',
      line: null,
      field: '',
      message:
        'The exercises must be the YAML text of an exercises file (exercises:, and quizzes: or setup: if any).',
    });
  else content = parseExercisesYaml(exercises, problems);

  const found = { problems, ...(text === undefined ? {} : { page: text }), ...(content ? { content } : {}) };
  if (problems.length > 0 || content === undefined || text === undefined || typeof slug !== 'string')
    return found;
  const summary = pageSummary(text);
  return {
    ...found,
    input: {
      slug,
      page: text,
      exercisesYaml: exercises as string,
      title: pageTitle(text) ?? slug,
      ...(summary === undefined ? {} : { summary }),
      content,
    },
  };
}

/**
 * Parses the YAML of a class lesson's exercises with the course's parser and schema, refusing first,
 * without building anything, what would cost the server: a text over 256 KiB, more than a few
 * aliases, deep nesting. Pushes each problem found; answers the content when there is none.
 */
export function parseExercisesYaml(text: string, problems: ContentProblem[]): ExercisesFile | undefined {
  if (bytes(text) > YAML_MAX_BYTES) {
    problems.push({
      in: 'exercises',
      line: null,
      field: '',
      message: `The exercises YAML is ${kib(bytes(text))}: at most ${kib(YAML_MAX_BYTES)}.`,
    });
    return undefined;
  }
  const shape = yamlShape(text);
  const lineOf = (offset: number) => text.slice(0, offset).split('\n').length;
  if (shape.depth > YAML_MAX_DEPTH) {
    problems.push({
      in: 'exercises',
      line: lineOf(shape.deepAt),
      field: '',
      message: `The YAML nests deeper than ${YAML_MAX_DEPTH} levels here: an exercises file never needs that.`,
    });
    return undefined;
  }
  if (shape.aliases.length > YAML_MAX_ALIASES) {
    problems.push({
      in: 'exercises',
      line: lineOf(shape.aliases[YAML_MAX_ALIASES]!),
      field: '',
      message: `The YAML has ${shape.aliases.length} aliases (*name): at most ${YAML_MAX_ALIASES}. Write the values out.`,
    });
    return undefined;
  }
  const issues: LessonIssue[] = [];
  const content = parseYaml(text, exercisesFileSchema, 'exercises', 0, issues, {
    maxAliasCount: YAML_MAX_ALIASES,
  });
  for (const issue of issues)
    problems.push({ in: 'exercises', line: issue.line, field: issue.field, message: issue.message });
  return content;
}

/**
 * How deep the YAML nests and where its aliases are, from its tokens alone (fast, and nothing is
 * built, so a bomb costs nothing). The depth counts the indentation levels open on a line, the
 * `-` and `?` indicators on it (`- - - x` nests three times) and the open `[` and `{`: close to
 * the depth of the data, never far below it. It stops counting once past `YAML_MAX_DEPTH`.
 */
export function yamlShape(text: string): { depth: number; deepAt: number; aliases: number[] } {
  const indents: number[] = [];
  const aliases: number[] = [];
  let offset = 0;
  let column = 0;
  let flow = 0;
  let indicators = 0;
  let lineStart = true;
  let depth = 0;
  let deepAt = 0;
  for (const token of new Lexer().lex(text)) {
    // The lexer's markers (document, scalar, flow error) are not source text.
    if (token === '\x02' || token === '\x1f' || token === '\x18') continue;
    const type = CST.tokenType(token);
    if (type === 'newline') {
      lineStart = true;
      column = 0;
      indicators = 0;
      offset += token.length;
      continue;
    }
    if (lineStart && type !== 'space' && type !== 'comment') {
      lineStart = false;
      if (flow === 0) {
        while (indents.length > 0 && indents.at(-1)! > column) indents.pop();
        if (indents.length === 0 || indents.at(-1)! < column) indents.push(column);
      }
    }
    if (type === 'flow-seq-start' || type === 'flow-map-start') flow++;
    else if (type === 'flow-seq-end' || type === 'flow-map-end') flow = Math.max(0, flow - 1);
    else if ((type === 'seq-item-ind' || type === 'explicit-key-ind') && flow === 0) indicators++;
    else if (type === 'alias') aliases.push(offset);
    const here = indents.length + indicators + flow;
    if (here > depth) {
      depth = here;
      deepAt = offset;
      if (depth > YAML_MAX_DEPTH) break;
    }
    offset += token.length;
    const newline = token.lastIndexOf('\n');
    if (newline >= 0) {
      column = token.length - newline - 1;
      // A multi-line token (a block scalar) ends where the next line starts.
      if (newline === token.length - 1) lineStart = true;
    } else column += token.length;
  }
  return { depth, deepAt, aliases };
}

/** Lines of Markdown outside fenced code blocks, with their 1-based numbers. */
function proseLines(page: string): { line: number; text: string }[] {
  const lines: { line: number; text: string }[] = [];
  let fence: string | undefined;
  page.split(/\r?\n/).forEach((text, i) => {
    const marker = /^ {0,3}(`{3,}|~{3,})/.exec(text)?.[1];
    if (fence !== undefined) {
      if (
        marker &&
        marker[0] === fence[0] &&
        marker.length >= fence.length &&
        !/\S/.test(text.trim().slice(marker.length))
      )
        fence = undefined;
      return;
    }
    if (marker) {
      fence = marker;
      return;
    }
    lines.push({ line: i + 1, text });
  });
  return lines;
}

const H1 = /^ {0,3}#[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$/;

/** The text of the page's first `# Heading` (outside code blocks), if it has one. */
export function pageTitle(page: string): string | undefined {
  for (const { text } of proseLines(page)) {
    const heading = H1.exec(text)?.[1]?.replace(/\s+/g, ' ').trim();
    if (heading) return heading.length > TITLE_MAX ? `${heading.slice(0, TITLE_MAX - 1)}…` : heading;
  }
  return undefined;
}

/**
 * The page's first paragraph after its title (or from its top, without one), when it is plain
 * text: not a heading, list, quote, table, code, HTML or directive. Joined into one line, at most
 * 300 characters.
 */
export function pageSummary(page: string): string | undefined {
  const lines = proseLines(page);
  const title = lines.findIndex(({ text }) => H1.test(text));
  const paragraph: string[] = [];
  for (const { text } of lines.slice(title + 1)) {
    if (!text.trim()) {
      if (paragraph.length > 0) break;
      continue;
    }
    if (paragraph.length === 0 && /^\s*([#:>|<!\-*+[`~]|\d+[.)]\s)/.test(text)) return undefined;
    paragraph.push(text.trim());
  }
  const summary = paragraph.join(' ').replace(/\s+/g, ' ').trim();
  if (!summary) return undefined;
  return summary.length > SUMMARY_MAX ? `${summary.slice(0, SUMMARY_MAX - 1)}…` : summary;
}
