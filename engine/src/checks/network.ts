import { z } from 'zod';
import { nameSchema } from '../schema-fields.ts';
import { checkBaseShape, type CheckKind } from './check-kind.ts';
import { count, listNames } from './wording.ts';

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
      .describe('Names of containers that must be attached to the network (Docker lists running ones only).'),
  })
  .describe('Passes when the network exists with the given driver and containers.');

export type NetworkCheck = z.infer<typeof networkCheckSchema>;

export const networkKind: CheckKind<typeof networkCheckSchema> = {
  schema: networkCheckSchema,
  async judge(check, { docker }) {
    const network = await docker.network(check.name);
    if (!network) {
      const names = await docker.networkNames();
      return {
        passed: false,
        found: `Found ${count(names.length, 'network')}, none named ${check.name}: ${listNames(names)}.`,
      };
    }
    const differences: string[] = [];
    if (check.driver !== undefined && network.driver !== check.driver)
      differences.push(`uses the ${network.driver} driver (expected ${check.driver})`);
    const missing = (check.containers ?? []).filter((name) => !network.containers.includes(name));
    if (missing.length > 0) {
      const attached =
        network.containers.length > 0 ? network.containers.join(', ') : 'no running containers';
      differences.push(`has ${attached} attached (expected ${missing.join(', ')}, running)`);
    }
    if (differences.length === 0) return { passed: true };
    return { passed: false, found: `Found network ${check.name}, but it ${differences.join(', ')}.` };
  },
};
