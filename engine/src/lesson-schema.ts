import { z } from 'zod';
import { checkSchema } from './checks/index.ts';
import { MAX_MACHINES, idSchema, machineSchema, scriptSchema } from './schema-fields.ts';

// The one content schema of the course. The site build, the sandbox-server and the lesson CLI all
// import it, so a lesson that validates here renders and checks everywhere. Each kind of check has
// its schema in a module of its own under checks/.

export {
  checkSchema,
  commandCheckSchema,
  containerCheckSchema,
  imageCheckSchema,
  volumeCheckSchema,
  networkCheckSchema,
  httpCheckSchema,
  hubCheckSchema,
  composeCheckSchema,
  fileCheckSchema,
  groupCheckSchema,
  serviceCheckSchema,
} from './checks/index.ts';
export type {
  Check,
  CommandCheck,
  ContainerCheck,
  ImageCheck,
  VolumeCheck,
  NetworkCheck,
  HttpCheck,
  HubCheck,
  ComposeCheck,
  FileCheck,
  GroupCheck,
  ServiceCheck,
} from './checks/index.ts';
export { parseSize } from './bytes.ts';

// Duplicate ids are reported alongside other problems, so an author sees every mistake in one run;
// the refinement then sees unvalidated input and must read it defensively.
const runEvenWhenInvalid = { when: () => true };

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
    machines: z
      .int()
      .min(1)
      .max(MAX_MACHINES, { error: `A lesson has at most ${MAX_MACHINES} machines.` })
      .optional()
      .describe(
        `How many machines the learner gets (1 to ${MAX_MACHINES}, default 1), named node1, node2…: one private network of the learner's joins them, and each reaches the others by name.`,
      ),
  })
  .describe('Frontmatter of a lesson.mdx file.');

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
    machine: machineSchema
      .optional()
      .describe(
        'In a lesson with several machines: where its setup and solve run, and its checks unless a check names another. Default `node1`.',
      ),
    auto: z
      .boolean()
      .optional()
      .describe(
        'Checked in the background while the learner works (every 5 s while the page is in view), and marked done without a click once it passes.',
      ),
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
export type Exercise = z.infer<typeof exerciseSchema>;
export type ExercisesFile = z.infer<typeof exercisesFileSchema>;
export type Quiz = z.infer<typeof quizSchema>;

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
