import { z } from 'zod';
import { shellQuote } from '../docker-state.ts';
import { nameSchema } from '../schema-fields.ts';
import { checkBaseShape, type CheckKind } from './check-kind.ts';

/** A check that a user belongs to a group. */
export const groupCheckSchema = z
  .strictObject({
    ...checkBaseShape,
    kind: z.literal('group').describe('Look at the groups of a user.'),
    user: nameSchema.default('learner').describe('The user.'),
    group: nameSchema.describe('The group the user must be in, e.g. `docker`.'),
  })
  .describe('Passes when the user is a member of the group (as `id -nG` and a new login would see it).');

export type GroupCheck = z.infer<typeof groupCheckSchema>;

export const groupKind: CheckKind<typeof groupCheckSchema> = {
  schema: groupCheckSchema,
  async judge(check, { sandbox, timeoutMs }) {
    const result = await sandbox.exec(`id -nG ${shellQuote(check.user)}`, { user: 'root', timeoutMs });
    if (result.exitCode !== 0) return { passed: false, found: `There is no user ${check.user}.` };
    const groups = result.stdout.trim().split(/\s+/).filter(Boolean);
    if (groups.includes(check.group)) return { passed: true };
    return {
      passed: false,
      found: `${check.user} is in ${groups.join(', ') || 'no groups'}, not in ${check.group}.`,
    };
  },
};
