import { z } from 'zod';
import { nameSchema } from '../schema-fields.ts';
import { checkBaseShape, type CheckKind } from './check-kind.ts';
import { describeContainerState, listNames } from './wording.ts';

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

export type ComposeCheck = z.infer<typeof composeCheckSchema>;

export const composeKind: CheckKind<typeof composeCheckSchema> = {
  schema: composeCheckSchema,
  async judge(check, { docker }) {
    const containers = (await docker.containers()).filter(
      (c) => c.labels['com.docker.compose.project'] === check.project,
    );
    if (containers.length === 0)
      return {
        passed: false,
        found: `Found no containers of a Compose project named ${check.project} (expected services ${check.running.join(', ')} running).`,
      };
    const notRunning = check.running.filter(
      (service) => !containers.some((c) => c.labels['com.docker.compose.service'] === service && c.running),
    );
    if (notRunning.length === 0) return { passed: true };
    const states = containers.map(
      (c) => `${c.labels['com.docker.compose.service'] ?? c.name} (${describeContainerState(c)})`,
    );
    return {
      passed: false,
      found: `In project ${check.project}, ${notRunning.join(', ')} ${notRunning.length === 1 ? 'is' : 'are'} not running; found ${listNames(states)}.`,
    };
  },
  reference:
    'Containers are found by the labels Compose puts on them, so `docker compose` and `docker-compose` both count.',
};
