import { z } from 'zod';
import { shellQuote } from '../docker-state.ts';
import { nameSchema, regexSchema } from '../schema-fields.ts';
import { checkBaseShape, type CheckKind } from './check-kind.ts';
import { describeText, quoteOutput } from './wording.ts';

/** A check on a file of the learner's machine, read as root. */
export const fileCheckSchema = z
  .strictObject({
    ...checkBaseShape,
    kind: z.literal('file').describe("Look at a file on the learner's machine, read as root."),
    path: nameSchema
      .refine((p) => p.startsWith('/') || p.startsWith('~/'), {
        error: 'Use an absolute path or one starting with `~/`.',
      })
      .describe("The path; `~/` is the learner's home."),
    content: regexSchema.optional().describe('A regular expression the content must match.'),
  })
  .describe('Passes when the file exists and, optionally, its content matches.');

export type FileCheck = z.infer<typeof fileCheckSchema>;

export const fileKind: CheckKind<typeof fileCheckSchema> = {
  schema: fileCheckSchema,
  async judge(check, { sandbox, timeoutMs }) {
    const file = check.path.replace(/^~\//, '/home/learner/');
    const read = await sandbox.exec(
      `if [ -f ${shellQuote(file)} ]; then cat -- ${shellQuote(file)}; else exit 3; fi`,
      { user: 'root', timeoutMs },
    );
    if (read.exitCode === 3) return { passed: false, found: `There is no file ${check.path}.` };
    if (read.exitCode !== 0)
      return {
        passed: false,
        found: `${check.path} could not be read: ${quoteOutput(read.stderr || 'no output')}.`,
      };
    if (check.content !== undefined && !new RegExp(check.content, 'm').test(read.stdout))
      return {
        passed: false,
        found: `${check.path} does not match /${check.content}/: ${describeText(read.stdout)}.`,
      };
    return { passed: true };
  },
};
