import { z } from 'zod';
import type { DockerReader } from '../docker-state.ts';
import type { Sandbox } from '../sandbox.ts';
import { idSchema, machineSchema } from '../schema-fields.ts';

/** What a judge concludes: a pass, or a failure with what it found, in the learner's words. */
export type Outcome = { passed: true } | { passed: false; found: string };

/** What a judge may use to look at the learner's sandbox. */
export interface JudgeContext {
  sandbox: Sandbox;
  /** Reads Docker state with the docker CLI inside the sandbox, as root. */
  docker: DockerReader;
  /** How long the check may take; commands run by the judge should not outlast it. */
  timeoutMs: number;
}

/** One kind of check: the schema of its fields and the judge that decides it. */
export interface CheckKind<S extends z.ZodType = z.ZodType> {
  schema: S;
  judge(check: z.output<S>, context: JudgeContext): Promise<Outcome>;
  /** Markdown shown after the kind's field table in docs/authoring.md: examples, what a failure says. */
  reference?: string;
}

/** The fields every check has, whatever its kind. */
export const checkBaseShape = {
  id: idSchema.describe('Identifies the check within its exercise (kebab-case).'),
  title: z
    .string()
    .trim()
    .min(1)
    .describe(
      'What passing means, in the learner\'s words, e.g. "A container from hello-world ran and exited with code 0". Shown when the check passes.',
    ),
  message: z
    .string()
    .trim()
    .min(1)
    .describe(
      "Shown when the check fails: what is missing, in the learner's words. The runner appends what it found.",
    ),
  hint: z.string().trim().min(1).describe('Shown when the check fails: what the learner can do next.'),
  machine: machineSchema
    .optional()
    .describe(
      "In a lesson with several machines: the one the check runs on (`node1`…). Default: its exercise's.",
    ),
};
