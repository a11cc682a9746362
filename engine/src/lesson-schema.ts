import { z } from 'zod';

// The one content schema of the course. The site build, the sandbox-server and the lesson CLI all
// import it, so a lesson that validates here renders and checks everywhere.

// Duplicate ids are reported alongside other problems, so an author sees every mistake in one run;
// the refinement then sees unvalidated input and must read it defensively.
const runEvenWhenInvalid = { when: () => true };

const kebabCase = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

const idSchema = z
  .string()
  .regex(kebabCase, {
    error: 'Use kebab-case: lowercase letters, digits and single dashes, e.g. "run-hello-world".',
  })
  .describe('A kebab-case identifier, stable across edits because progress is stored against it.');

const scriptSchema = z.string().trim().min(1, { error: 'The script is empty.' });

/** Frontmatter at the top of `lesson.mdx`. */
export const lessonFrontmatterSchema = z
  .strictObject({
    title: z
      .string()
      .trim()
      .min(1)
      .describe('The lesson title, shown in the course index and as the page heading.'),
    summary: z
      .string()
      .trim()
      .min(1)
      .describe('One sentence saying what the learner will be able to do after the lesson.'),
    minutes: z
      .int()
      .positive()
      .optional()
      .describe('Roughly how many minutes the lesson takes, reading and doing.'),
  })
  .describe('Frontmatter of a lesson.mdx file.');

const checkBaseShape = {
  id: idSchema.describe('Identifies the check within its exercise (kebab-case).'),
  title: z
    .string()
    .trim()
    .min(1)
    .describe(
      'What passing means, in the learner\'s words, e.g. "A container from hello-world ran and exited with code 0".',
    ),
  message: z
    .string()
    .trim()
    .min(1)
    .describe(
      "Shown when the check fails: what is missing, in the learner's words. The runner appends what it found.",
    ),
  hint: z.string().trim().min(1).describe('Shown when the check fails: what the learner can do next.'),
};

/** A check that runs a shell script and looks at its exit code and output. */
export const commandCheckSchema = z
  .strictObject({
    ...checkBaseShape,
    kind: z.literal('command').describe('Run a shell script in the sandbox and judge its result.'),
    run: scriptSchema.describe('The shell script to run with `sh -c`.'),
    user: z
      .enum(['root', 'learner'])
      .default('learner')
      .describe('Who runs the script: the learner (default) or root.'),
    expect: z
      .strictObject({
        exitCode: z
          .int()
          .min(0)
          .max(255)
          .default(0)
          .describe('The exit code the script must end with (default 0).'),
        stdout: z
          .string()
          .refine(isValidRegex, { error: 'Not a valid regular expression.' })
          .optional()
          .describe('A regular expression (JavaScript syntax, no slashes) that standard output must match.'),
      })
      .default({ exitCode: 0 })
      .describe('What the script must produce to pass.'),
  })
  .describe('Passes when a shell script exits as expected and, optionally, prints matching output.');

/** A check that looks for a container in the learner's Docker engine. */
export const containerCheckSchema = z
  .strictObject({
    ...checkBaseShape,
    kind: z.literal('container').describe("Look for a container in the learner's Docker engine."),
    image: z
      .string()
      .trim()
      .min(1)
      .optional()
      .describe('The image the container was created from, as a learner would type it, e.g. `hello-world`.'),
    name: z.string().trim().min(1).optional().describe('The container name, e.g. `web`.'),
    state: z
      .enum(['exists', 'running', 'exited'])
      .default('exists')
      .describe('The state the container must be in (default: it merely exists).'),
    exitCode: z
      .int()
      .min(0)
      .max(255)
      .optional()
      .describe('The exit code the container must have exited with; implies exited.'),
  })
  .refine((check) => check.exitCode === undefined || check.state !== 'running', {
    error: 'A container cannot be running and have an exit code: drop `exitCode` or use state `exited`.',
    path: ['exitCode'],
  })
  .describe('Passes when at least one container matches every given criterion.');

/** A check that looks for an image in the learner's Docker engine. */
export const imageCheckSchema = z
  .strictObject({
    ...checkBaseShape,
    kind: z.literal('image').describe("Look for an image in the learner's Docker engine."),
    ref: z
      .string()
      .trim()
      .min(1)
      .describe(
        'The image reference, e.g. `hello-world`, `hello-world:latest` or `docker.io/library/hello-world`.',
      ),
  })
  .describe('Passes when the image is present locally under that reference.');

const checkKinds = ['command', 'container', 'image'] as const;

/** One check of an exercise; `kind` says which. */
export const checkSchema = z
  .discriminatedUnion('kind', [commandCheckSchema, containerCheckSchema, imageCheckSchema], {
    error: (issue) =>
      issue.code === 'invalid_union'
        ? `Invalid option: expected one of ${checkKinds.map((kind) => `"${kind}"`).join('|')}`
        : undefined,
  })
  .describe("A check: judged against the learner's sandbox, it passes or fails with a message.");

/** One exercise: optional setup, the checks, and a script that solves it. */
export const exerciseSchema = z
  .strictObject({
    id: idSchema.describe('Identifies the exercise within its lesson; used by `<Exercise id="…" />`.'),
    title: z
      .string()
      .trim()
      .min(1)
      .describe('The exercise title, shown on its card, e.g. "Run your first container".'),
    setup: scriptSchema
      .optional()
      .describe('A shell script run as root before the learner starts, to prepare the sandbox.'),
    solve: scriptSchema.describe('A shell script, run as the learner, that makes every check pass.'),
    checks: z
      .array(checkSchema)
      .min(1, { error: 'An exercise needs at least one check.' })
      .describe('The checks, run in order.'),
  })
  .superRefine((exercise, ctx) => {
    reportDuplicateIds(idsOf((exercise as unknown as Record<string, unknown>).checks), (index, id) =>
      ctx.addIssue({
        code: 'custom',
        path: ['checks', index, 'id'],
        message: `Duplicate check id "${id}": check ids must be unique within an exercise.`,
      }),
    );
  }, runEvenWhenInvalid)
  .describe('An exercise the learner does in their sandbox.');

/** A multiple-choice question; its answers are graded on the server and never sent to the page. */
export const quizSchema = z
  .strictObject({
    id: idSchema.describe('Identifies the quiz within its lesson; used by `<Quiz id="…" />`.'),
    question: z.string().trim().min(1).describe("The question, in the learner's words."),
    options: z
      .array(z.string().trim().min(1))
      .min(2, { error: 'A quiz needs at least 2 options.' })
      .max(6, { error: 'A quiz has at most 6 options.' })
      .describe('The options the learner chooses from, in display order.'),
    answer: z
      .array(z.int().min(0))
      .min(1, { error: 'Give the index of at least one correct option.' })
      .describe('Indexes (from 0) of the correct options; more than one makes it a multiple-choice quiz.'),
    explanation: z
      .string()
      .trim()
      .min(1)
      .describe('Shown once the learner has answered: why the right options are right.'),
  })
  .superRefine((quiz, ctx) => {
    const raw = quiz as unknown as Record<string, unknown>;
    const options = Array.isArray(raw.options) ? raw.options.length : 0;
    const answers = Array.isArray(raw.answer) ? (raw.answer as unknown[]) : [];
    const seen = new Set<unknown>();
    answers.forEach((index, i) => {
      if (typeof index === 'number' && options > 0 && index >= options) {
        ctx.addIssue({
          code: 'custom',
          path: ['answer', i],
          message: `Answer ${index} is not an option: options are numbered 0 to ${options - 1}.`,
        });
      }
      if (seen.has(index)) {
        ctx.addIssue({
          code: 'custom',
          path: ['answer', i],
          message: `Answer ${String(index)} is listed twice.`,
        });
      }
      seen.add(index);
    });
  }, runEvenWhenInvalid)
  .describe('A quiz question shown by `<Quiz id="…" />`.');

/** The `exercises.yaml` file beside a lesson. */
export const exercisesFileSchema = z
  .strictObject({
    setup: scriptSchema
      .optional()
      .describe(
        'A shell script run as root when the learner opens the lesson or resets it, before any exercise setup.',
      ),
    exercises: z.array(exerciseSchema).default([]).describe('The exercises of the lesson, in page order.'),
    quizzes: z.array(quizSchema).default([]).describe('The quizzes of the lesson, in page order.'),
  })
  .superRefine((file, ctx) => {
    const raw = file as unknown as Record<string, unknown>;
    reportDuplicateIds(idsOf(raw.exercises), (index, id) =>
      ctx.addIssue({
        code: 'custom',
        path: ['exercises', index, 'id'],
        message: `Duplicate exercise id "${id}": exercise ids must be unique within a lesson.`,
      }),
    );
    reportDuplicateIds(idsOf(raw.quizzes), (index, id) =>
      ctx.addIssue({
        code: 'custom',
        path: ['quizzes', index, 'id'],
        message: `Duplicate quiz id "${id}": quiz ids must be unique within a lesson.`,
      }),
    );
  }, runEvenWhenInvalid)
  .describe("Contents of a lesson's exercises.yaml.");

export type LessonFrontmatter = z.infer<typeof lessonFrontmatterSchema>;
export type CommandCheck = z.infer<typeof commandCheckSchema>;
export type ContainerCheck = z.infer<typeof containerCheckSchema>;
export type ImageCheck = z.infer<typeof imageCheckSchema>;
export type Check = z.infer<typeof checkSchema>;
export type Exercise = z.infer<typeof exerciseSchema>;
export type ExercisesFile = z.infer<typeof exercisesFileSchema>;
export type Quiz = z.infer<typeof quizSchema>;

/** What the page may know about a quiz: never its answers. */
export interface PublicQuiz {
  id: string;
  question: string;
  options: string[];
  /** True when more than one option is correct, so the page offers checkboxes instead of radio buttons. */
  multiple: boolean;
}

/** The verdict on one answer to a quiz. */
export interface QuizGrade {
  correct: boolean;
  explanation: string;
}

/** The quiz as the page may see it: question and options, without the answers. */
export function publicQuiz(quiz: Quiz): PublicQuiz {
  return {
    id: quiz.id,
    question: quiz.question,
    options: [...quiz.options],
    multiple: quiz.answer.length > 1,
  };
}

/** Grades the learner's chosen option indexes: correct when they are exactly the right set, in any order. */
export function gradeQuiz(quiz: Quiz, chosen: number[]): QuizGrade {
  const picked = new Set(chosen);
  const correct =
    picked.size === chosen.length &&
    picked.size === quiz.answer.length &&
    quiz.answer.every((index) => picked.has(index));
  return { correct, explanation: quiz.explanation };
}

function isValidRegex(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

function idsOf(items: unknown): (string | undefined)[] {
  if (!Array.isArray(items)) return [];
  return items.map((item: unknown) =>
    typeof item === 'object' && item !== null && typeof (item as { id?: unknown }).id === 'string'
      ? (item as { id: string }).id
      : undefined,
  );
}

function reportDuplicateIds(ids: (string | undefined)[], report: (index: number, id: string) => void): void {
  const seen = new Set<string>();
  ids.forEach((id, index) => {
    if (id === undefined) return;
    if (seen.has(id)) report(index, id);
    seen.add(id);
  });
}
