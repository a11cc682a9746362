import { z } from 'zod';
import { isValidRegex, scriptSchema } from '../schema-fields.ts';
import { checkBaseShape, type CheckKind } from './check-kind.ts';
import { quoteOutput } from './wording.ts';

/** A check that runs a shell script and looks at its exit code and output. */
export const commandCheckSchema = z
  .strictObject({
    ...checkBaseShape,
    kind: z.literal('command').describe('Run a shell script in the sandbox and judge its result.'),
    run: scriptSchema.describe('The shell script to run with `sh -c`.'),
    user: z.enum(['root', 'learner']).default('learner').describe('Who runs the script.'),
    expect: z
      .strictObject({
        exitCode: z.int().min(0).max(255).default(0).describe('The exit code the script must end with.'),
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

export type CommandCheck = z.infer<typeof commandCheckSchema>;

export const commandKind: CheckKind<typeof commandCheckSchema> = {
  schema: commandCheckSchema,
  async judge(check, { sandbox, timeoutMs }) {
    const result = await sandbox.exec(check.run, { user: check.user, timeoutMs });
    const { exitCode, stdout } = check.expect;
    if (result.exitCode !== exitCode) {
      const stderr = result.stderr.trim();
      const said = stderr ? ` It said: ${quoteOutput(stderr)}.` : '';
      return {
        passed: false,
        found: `The command exited with ${result.exitCode}; expected ${exitCode}.${said}`,
      };
    }
    if (stdout !== undefined && !new RegExp(stdout, 'm').test(result.stdout)) {
      const shown = result.stdout.trim() ? `it was: ${quoteOutput(result.stdout)}` : 'it was empty';
      return { passed: false, found: `stdout did not match /${stdout}/: ${shown}.` };
    }
    return { passed: true };
  },
};
