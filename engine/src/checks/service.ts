import { z } from 'zod';
import { shellQuote } from '../docker-state.ts';
import { nameSchema } from '../schema-fields.ts';
import { checkBaseShape, type CheckKind } from './check-kind.ts';

/** A check on a systemd service of the learner's machine. */
export const serviceCheckSchema = z
  .strictObject({
    ...checkBaseShape,
    kind: z.literal('service').describe('Look at a systemd unit.'),
    unit: nameSchema.default('docker').describe('The systemd unit.'),
    state: z
      .enum(['active', 'inactive'])
      .default('active')
      .describe('The state `systemctl is-active` must report.'),
  })
  .describe('Passes when `systemctl is-active <unit>` says the wanted state.');

export type ServiceCheck = z.infer<typeof serviceCheckSchema>;

export const serviceKind: CheckKind<typeof serviceCheckSchema> = {
  schema: serviceCheckSchema,
  async judge(check, { sandbox, timeoutMs }) {
    const result = await sandbox.exec(`systemctl is-active ${shellQuote(check.unit)}`, {
      user: 'root',
      timeoutMs,
    });
    const state = result.stdout.trim().split('\n')[0] || 'unknown';
    if (state === check.state) return { passed: true };
    return {
      passed: false,
      found: `systemd says ${check.unit} is ${state} (expected ${check.state}).`,
    };
  },
};
