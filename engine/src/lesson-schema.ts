import { z } from 'zod';
import { parseSize, sizePattern } from './bytes.ts';
import type { PublicQuiz, QuizGrade } from './contract.ts';

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

const nameSchema = z.string().trim().min(1);

const regexSchema = z.string().refine(isValidRegex, { error: 'Not a valid regular expression.' });

/** A size in bytes, written as a number of bytes or as Docker writes sizes: `512m`, `1g`, `20MB` (powers of 1024). */
const sizeSchema = z
  .union([
    z.int().positive(),
    z
      .string()
      .regex(sizePattern, { error: 'Write a size as bytes or with a unit, e.g. `256m`, `1g`, `20MB`.' }),
  ])
  .transform((size) => (typeof size === 'number' ? size : parseSize(size)))
  .describe('A size: bytes, or a number with k, m or g (powers of 1024), e.g. `256m`.');

export { parseSize } from './bytes.ts';

const envEntrySchema = z
  .string()
  .regex(/^[^=\s]+(=.*)?$/, { error: 'Write `KEY=VALUE`, or `KEY` alone to require only that it is set.' })
  .describe('`KEY=VALUE` (exactly that value) or `KEY` (set to anything).');

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
    ports: z
      .array(
        z.strictObject({
          container: z.int().min(1).max(65535).describe('The port inside the container, e.g. 5000.'),
          host: z
            .int()
            .min(1)
            .max(65535)
            .optional()
            .describe("The sandbox's port it is published on; any when left out."),
          protocol: z.enum(['tcp', 'udp']).default('tcp').describe('tcp (default) or udp.'),
        }),
      )
      .optional()
      .describe('Ports the container must publish (`-p host:container`).'),
    env: z
      .array(envEntrySchema)
      .optional()
      .describe('Environment variables the container must have, e.g. `MESSAGE=hello`.'),
    mounts: z
      .array(
        z.strictObject({
          source: nameSchema
            .optional()
            .describe(
              'A volume name or, for a bind mount, the absolute path on the machine; any when left out.',
            ),
          target: nameSchema.describe('The path inside the container, e.g. `/data`.'),
        }),
      )
      .optional()
      .describe('Volumes or bind mounts the container must have.'),
    memory: z
      .strictObject({
        max: sizeSchema.optional().describe('The limit must be set and at most this.'),
        equals: sizeSchema.optional().describe('The limit must be exactly this.'),
      })
      .refine((memory) => memory.max !== undefined || memory.equals !== undefined, {
        error: 'Give `max` or `equals`.',
      })
      .optional()
      .describe('The memory limit (`--memory`/`-m`) the container must have.'),
    networks: z.array(nameSchema).optional().describe('Networks the container must be attached to, by name.'),
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
    maxSize: sizeSchema.optional().describe('The image must be at most this big, e.g. `20MB`.'),
    maxLayers: z.int().positive().optional().describe('The image may have at most this many layers.'),
    labels: z
      .record(z.string(), z.string())
      .optional()
      .describe('Labels the image must carry, with their values.'),
    env: z
      .array(envEntrySchema)
      .optional()
      .describe('Environment variables the image must set (`ENV` in the Dockerfile).'),
    workdir: nameSchema.optional().describe('The working directory the image must set (`WORKDIR`).'),
  })
  .describe('Passes when the image is present locally under that reference, with every detail given.');

/** A check on a Docker volume. */
export const volumeCheckSchema = z
  .strictObject({
    ...checkBaseShape,
    kind: z.literal('volume').describe("Look for a volume in the learner's Docker engine."),
    name: nameSchema.describe('The volume name, e.g. `data-vol`.'),
    driver: nameSchema.optional().describe('The volume driver, e.g. `local`.'),
    options: z
      .record(z.string(), z.string())
      .optional()
      .describe('Driver options the volume must have been created with, e.g. `{ type: none, o: bind }`.'),
    file: nameSchema
      .optional()
      .describe(
        'A file that must exist inside the volume, as a path relative to its root, e.g. `notes.txt`.',
      ),
    content: regexSchema.optional().describe('A regular expression the content of `file` must match.'),
  })
  .refine((check) => check.content === undefined || check.file !== undefined, {
    error: '`content` needs a `file` to read.',
    path: ['content'],
  })
  .describe('Passes when the volume exists with the given driver, options and file.');

/** A check on a Docker network. */
export const networkCheckSchema = z
  .strictObject({
    ...checkBaseShape,
    kind: z.literal('network').describe("Look for a network in the learner's Docker engine."),
    name: nameSchema.describe('The network name, e.g. `app-net`.'),
    driver: nameSchema.optional().describe('The network driver, e.g. `bridge`.'),
    containers: z
      .array(nameSchema)
      .optional()
      .describe('Names of containers that must be attached to the network.'),
  })
  .describe('Passes when the network exists with the given driver and containers.');

/** A check that fetches a page from a port of the learner's machine. */
export const httpCheckSchema = z
  .strictObject({
    ...checkBaseShape,
    kind: z.literal('http').describe("GET a URL on the learner's machine with curl."),
    port: z.int().min(1).max(65535).describe('The port on the machine, e.g. 5000.'),
    path: z.string().startsWith('/').default('/').describe('The path to fetch (default `/`).'),
    expect: z
      .strictObject({
        status: z.int().min(100).max(599).default(200).describe('The HTTP status (default 200).'),
        body: regexSchema.optional().describe('A regular expression the response body must match.'),
      })
      .default({ status: 200 })
      .describe('What the response must be.'),
  })
  .describe('Passes when `http://localhost:<port><path>` answers as expected.');

/** A check that the learner's image is in the lab hub. */
export const hubCheckSchema = z
  .strictObject({
    ...checkBaseShape,
    kind: z.literal('hub').describe("Ask the lab hub, with the learner's login, for a pushed image."),
    repository: nameSchema.describe('The repository, usually `{{hub.username}}/<name>`.'),
    tag: nameSchema.default('latest').describe('The tag (default `latest`).'),
  })
  .describe("Passes when the hub holds repository:tag, read with the learner's own login.");

/** A check on a Docker Compose project. */
export const composeCheckSchema = z
  .strictObject({
    ...checkBaseShape,
    kind: z.literal('compose').describe('Look at a Docker Compose project.'),
    project: nameSchema.describe(
      'The project name: by default, the name of the folder holding compose.yaml.',
    ),
    running: z.array(nameSchema).min(1).describe('Services that must be running, e.g. `[web, redis]`.'),
  })
  .describe('Passes when every listed service of the project has a running container.');

/** A check on a file of the learner's machine, read as root. */
export const fileCheckSchema = z
  .strictObject({
    ...checkBaseShape,
    kind: z.literal('file').describe("Look at a file on the learner's machine."),
    path: nameSchema
      .refine((p) => p.startsWith('/') || p.startsWith('~/'), {
        error: 'Use an absolute path or one starting with `~/`.',
      })
      .describe("The path; `~/` is the learner's home."),
    content: regexSchema.optional().describe('A regular expression the content must match.'),
  })
  .describe('Passes when the file exists and, optionally, its content matches.');

/** A check that a user belongs to a group. */
export const groupCheckSchema = z
  .strictObject({
    ...checkBaseShape,
    kind: z.literal('group').describe('Look at the groups of a user.'),
    user: nameSchema.default('learner').describe('The user (default `learner`).'),
    group: nameSchema.describe('The group the user must be in, e.g. `docker`.'),
  })
  .describe('Passes when the user is a member of the group (as a new login would see it).');

/** A check on a systemd service of the learner's machine. */
export const serviceCheckSchema = z
  .strictObject({
    ...checkBaseShape,
    kind: z.literal('service').describe('Look at a systemd unit.'),
    unit: nameSchema.default('docker').describe('The unit (default `docker`).'),
    state: z.enum(['active', 'inactive']).default('active').describe('`active` (default) or `inactive`.'),
  })
  .describe('Passes when `systemctl is-active <unit>` says the wanted state.');

const checkKinds = [
  'command',
  'container',
  'image',
  'volume',
  'network',
  'http',
  'hub',
  'compose',
  'file',
  'group',
  'service',
] as const;

/** One check of an exercise; `kind` says which. */
export const checkSchema = z
  .discriminatedUnion(
    'kind',
    [
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
    ],
    {
      error: (issue) =>
        issue.code === 'invalid_union'
          ? `Invalid option: expected one of ${checkKinds.map((kind) => `"${kind}"`).join('|')}`
          : undefined,
    },
  )
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
export type VolumeCheck = z.infer<typeof volumeCheckSchema>;
export type NetworkCheck = z.infer<typeof networkCheckSchema>;
export type HttpCheck = z.infer<typeof httpCheckSchema>;
export type HubCheck = z.infer<typeof hubCheckSchema>;
export type ComposeCheck = z.infer<typeof composeCheckSchema>;
export type FileCheck = z.infer<typeof fileCheckSchema>;
export type GroupCheck = z.infer<typeof groupCheckSchema>;
export type ServiceCheck = z.infer<typeof serviceCheckSchema>;
export type Check = z.infer<typeof checkSchema>;
export type Exercise = z.infer<typeof exerciseSchema>;
export type ExercisesFile = z.infer<typeof exercisesFileSchema>;
export type Quiz = z.infer<typeof quizSchema>;

export type { PublicQuiz, QuizGrade } from './contract.ts';

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
