import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseDocument, visit } from 'yaml';
import type { z } from 'zod';
import { exercisesFileSchema, lessonFrontmatterSchema } from './lesson-schema.ts';
import type { Exercise, ExercisesFile, Quiz } from './lesson-schema.ts';
import { findOffset } from './yaml-positions.ts';

/** One lesson of the course, read from `lessons/<NN>-<slug>/`. */
export interface Lesson {
  /** Folder name without its `NN-` prefix, e.g. `first-container`. */
  slug: string;
  /** The `NN` of the folder name: the lesson's place in the course. */
  order: number;
  title: string;
  summary: string;
  minutes?: number;
  /** How many machines the learner gets (node1…nodeN on a private network of theirs); 1 by default. */
  machines: number;
  /** Absolute path of the lesson's `lesson.mdx`. */
  file: string;
  exercises: Exercise[];
  /** The lesson's quizzes, in page order; their answers stay on the server. */
  quizzes: Quiz[];
  /** A root shell script that prepares the sandbox when the learner opens or resets the lesson. */
  setup?: string;
}

/**
 * What the server needs of a lesson to check, grade and set it up: a course lesson, or a class
 * lesson an instructor wrote (which has no file and no place in the course).
 */
export type LessonContent = Pick<Lesson, 'slug' | 'title' | 'exercises' | 'quizzes' | 'setup'>;

/** The whole course, lessons in order. */
export interface Course {
  lessons: Lesson[];
}

/** One problem in a lesson file, located as precisely as the file allows. */
export interface LessonIssue {
  /** The file, relative to the folder that holds the lessons folder, e.g. `lessons/01-first-container/exercises.yaml`. */
  file: string;
  /** 1-based line number. */
  line: number;
  /** The field at fault, e.g. `exercises[0].checks[1].kind`; empty for the file as a whole. */
  field: string;
  message: string;
}

/** Thrown by `loadCourse` with every problem of every lesson file; its message has one `file:line: field: message` per line. */
export class LessonError extends Error {
  readonly issues: LessonIssue[];

  constructor(issues: LessonIssue[]) {
    super(issues.map(formatLessonIssue).join('\n'));
    this.name = 'LessonError';
    this.issues = issues;
  }
}

/** Formats an issue as `file:line: field: message`. */
export function formatLessonIssue(issue: LessonIssue): string {
  return `${issue.file}:${issue.line}: ${issue.field ? `${issue.field}: ` : ''}${issue.message}`;
}

/** Options for `loadCourse`. */
export interface LoadCourseOptions {
  /** File names in errors are relative to this folder. Default: the parent of the lessons folder (the repo). */
  displayRoot?: string;
}

const lessonFolder = /^(\d+)-([a-z0-9]+(?:-[a-z0-9]+)*)$/;
const lessonFile = 'lesson.mdx';
const exercisesFile = 'exercises.yaml';

/** Reads and validates every lesson under `lessonsDir`; throws a `LessonError` listing all problems found. */
export async function loadCourse(lessonsDir: string, options: LoadCourseOptions = {}): Promise<Course> {
  const { lessons, issues } = await readCourse(lessonsDir, options);
  if (issues.length > 0) throw new LessonError(issues);
  return { lessons };
}

/**
 * Reads and validates every lesson under `lessonsDir` without throwing: the lessons that validate and
 * every problem found. The site's dev server shows the good lessons and the problems side by side;
 * everything that serves learners uses `loadCourse`, which refuses a course with any problem.
 */
export async function readCourse(
  lessonsDir: string,
  options: LoadCourseOptions = {},
): Promise<{ lessons: Lesson[]; issues: LessonIssue[] }> {
  const root = path.resolve(lessonsDir);
  const displayRoot = path.resolve(options.displayRoot ?? path.dirname(root));
  const display = (file: string): string => path.relative(displayRoot, file).split(path.sep).join('/');
  const issues: LessonIssue[] = [];
  const lessons: Lesson[] = [];

  const entries = (await readdir(root, { withFileTypes: true }))
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const folders = entries.flatMap((name) => {
    const match = lessonFolder.exec(name);
    return match?.[1] && match[2] ? [{ name, order: Number(match[1]), slug: match[2] }] : [];
  });

  const seenOrders = new Map<number, string>();
  for (const folder of folders) {
    const dir = path.join(root, folder.name);
    const earlier = seenOrders.get(folder.order);
    if (earlier !== undefined) {
      issues.push({
        file: display(dir),
        line: 1,
        field: '',
        message: `Lesson number ${folder.order} is also used by ${earlier}: give each lesson its own number.`,
      });
    }
    seenOrders.set(folder.order, folder.name);
    const lesson = await readLesson(dir, folder, display, issues);
    if (lesson) lessons.push(lesson);
  }

  return { lessons: lessons.sort((a, b) => a.order - b.order), issues };
}

async function readLesson(
  dir: string,
  folder: { name: string; order: number; slug: string },
  display: (file: string) => string,
  issues: LessonIssue[],
): Promise<Lesson | undefined> {
  const mdxPath = path.join(dir, lessonFile);
  const yamlPath = path.join(dir, exercisesFile);
  const mdx = await readOptional(mdxPath);
  if (mdx === undefined) {
    issues.push({
      file: display(dir),
      line: 1,
      field: '',
      message: `The lesson folder has no ${lessonFile}.`,
    });
    return undefined;
  }

  const before = issues.length;
  const frontmatter = parseFrontmatter(mdx, display(mdxPath), issues);
  const yamlText = await readOptional(yamlPath);
  const contents: ExercisesFile | undefined =
    yamlText === undefined
      ? { exercises: [], quizzes: [] }
      : parseYaml(yamlText, exercisesFileSchema, display(yamlPath), 0, issues);

  if (contents !== undefined) {
    const usages = [
      {
        component: 'Exercise',
        noun: 'exercise',
        ids: contents.exercises.map((e) => e.id),
        find: findExerciseUsages,
      },
      { component: 'Quiz', noun: 'quiz', ids: contents.quizzes.map((q) => q.id), find: findQuizUsages },
    ];
    for (const { component, noun, ids, find } of usages) {
      for (const usage of find(mdx)) {
        if (ids.includes(usage.id)) continue;
        issues.push({
          file: display(mdxPath),
          line: usage.line,
          field: `<${component} id="${usage.id}">`,
          message:
            yamlText === undefined
              ? `There is no ${exercisesFile} beside the lesson to define this ${noun}.`
              : `No ${noun} with this id in ${exercisesFile}; defined ids: ${ids.join(', ') || 'none'}.`,
        });
      }
    }
  }
  if (contents !== undefined && frontmatter !== undefined)
    issues.push(...machinesBeyond(contents, frontmatter.machines ?? 1, display(yamlPath), yamlText ?? ''));

  if (issues.length > before || frontmatter === undefined || contents === undefined) return undefined;
  return {
    slug: folder.slug,
    order: folder.order,
    title: frontmatter.title,
    summary: frontmatter.summary,
    ...(frontmatter.minutes === undefined ? {} : { minutes: frontmatter.minutes }),
    machines: frontmatter.machines ?? 1,
    file: mdxPath,
    exercises: contents.exercises,
    quizzes: contents.quizzes,
    ...(contents.setup === undefined ? {} : { setup: contents.setup }),
  };
}

/** Exercises and checks that name a machine the lesson does not have (its frontmatter's `machines`). */
function machinesBeyond(
  contents: ExercisesFile,
  machines: number,
  file: string,
  yaml: string,
): LessonIssue[] {
  const issues: LessonIssue[] = [];
  const have = `the lesson has ${machines === 1 ? 'one machine, node1' : `node1 to node${machines}`} (\`machines\` in its frontmatter)`;
  const beyond = (name: string | undefined) => name !== undefined && Number(name.slice(4)) > machines;
  contents.exercises.forEach((exercise, e) => {
    const at = (field: string, name: string) =>
      issues.push({
        file,
        line: lineOf(yaml, name),
        field,
        message: `There is no ${name}: ${have}.`,
      });
    if (beyond(exercise.machine)) at(`exercises[${e}].machine`, exercise.machine!);
    exercise.checks.forEach((check, c) => {
      if (beyond(check.machine)) at(`exercises[${e}].checks[${c}].machine`, check.machine!);
      if (check.kind === 'http' && beyond(check.host)) at(`exercises[${e}].checks[${c}].host`, check.host!);
    });
  });
  return issues;
}

/** The first line of the file that names a machine (1 when none does). */
function lineOf(yaml: string, name: string): number {
  const index = yaml.search(new RegExp(`(machine|host):\\s*['"]?${name}\\b`));
  return index < 0 ? 1 : yaml.slice(0, index).split('\n').length;
}

function parseFrontmatter(
  mdx: string,
  file: string,
  issues: LessonIssue[],
): z.infer<typeof lessonFrontmatterSchema> | undefined {
  const match = /^---[ \t]*\r?\n([\s\S]*?)\r?\n?---[ \t]*(?:\r?\n|$)/.exec(mdx);
  if (!match) {
    issues.push({
      file,
      line: 1,
      field: '',
      message: 'The lesson must start with a frontmatter block between `---` lines (title, summary).',
    });
    return undefined;
  }
  // The frontmatter's first line is line 2 of the file.
  return parseYaml(match[1] ?? '', lessonFrontmatterSchema, file, 1, issues);
}

/** Options of `parseYaml`. */
export interface ParseYamlOptions {
  /**
   * How far aliases (`*name`) may expand, as the `yaml` package counts it (its default is 100); past
   * it the text is refused with the line of the first alias. Text from outside the repository (an
   * instructor's upload) sets it low, against "billion laughs" bombs.
   */
  maxAliasCount?: number;
}

/**
 * Parses YAML text and validates it against a schema. Every problem (YAML syntax, a schema error)
 * is pushed onto `issues` with its 1-based line (plus `lineOffset`) and field path; answers the
 * data when there is none.
 */
export function parseYaml<T>(
  text: string,
  schema: z.ZodType<T>,
  file: string,
  lineOffset: number,
  issues: LessonIssue[],
  options: ParseYamlOptions = {},
): T | undefined {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const lineAt = (offset: number): number => lineCounter.linePos(offset).line + lineOffset;
  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      issues.push({
        file,
        line: lineAt(error.pos[0]),
        field: '',
        message: `Not valid YAML: ${firstLine(error.message)}`,
      });
    }
    return undefined;
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: options.maxAliasCount ?? 100 });
  } catch (error) {
    // The yaml package refuses an alias that expands too far (a ReferenceError); say where the
    // aliases start.
    let firstAlias: number | undefined;
    visit(doc, {
      Alias(_, node) {
        firstAlias = node.range?.[0];
        return visit.BREAK;
      },
    });
    issues.push({
      file,
      line: lineAt(firstAlias ?? 0),
      field: '',
      message: `Not accepted: ${firstLine((error as Error).message)} (aliases expand too far; write the values out).`,
    });
    return undefined;
  }
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    const fieldPath = issue.path.filter((key) => typeof key !== 'symbol') as (string | number)[];
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
    for (const key of keys) {
      const located = key === undefined ? fieldPath : [...fieldPath, key];
      issues.push({
        file,
        line: lineAt(findOffset(doc, located)),
        field: formatFieldPath(located),
        message:
          key === undefined ? issue.message : `Unknown field "${key}": remove it or check its spelling.`,
      });
    }
  }
  return undefined;
}

function formatFieldPath(fieldPath: (string | number)[]): string {
  return fieldPath
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? key : `.${key}`))
    .join('');
}

/** Finds `<Exercise id="…" />` usages in MDX with their 1-based lines. */
export function findExerciseUsages(mdx: string): { id: string; line: number }[] {
  return findComponentUsages(mdx, 'Exercise');
}

/** Finds `<Quiz id="…" />` usages in MDX with their 1-based lines. */
export function findQuizUsages(mdx: string): { id: string; line: number }[] {
  return findComponentUsages(mdx, 'Quiz');
}

function findComponentUsages(mdx: string, component: string): { id: string; line: number }[] {
  const usages: { id: string; line: number }[] = [];
  const tag = new RegExp(
    `<${component}\\b[^>]*?\\bid\\s*=\\s*(?:"([^"]*)"|'([^']*)'|\\{\\s*["'\`]([^"'\`]*)["'\`]\\s*\\})`,
    'g',
  );
  for (const match of mdx.matchAll(tag)) {
    const id = match[1] ?? match[2] ?? match[3] ?? '';
    usages.push({ id, line: mdx.slice(0, match.index).split('\n').length });
  }
  return usages;
}

async function readOptional(file: string): Promise<string | undefined> {
  try {
    if (!(await stat(file)).isFile()) return undefined;
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}
