import { z } from 'zod';
import type { CheckKind, JudgeContext, Outcome } from './check-kind.ts';
import { commandKind } from './command.ts';
import { composeKind } from './compose.ts';
import { containerKind } from './container.ts';
import { fileKind } from './file.ts';
import { groupKind } from './group.ts';
import { httpKind } from './http.ts';
import { hubKind } from './hub.ts';
import { imageKind } from './image.ts';
import { networkKind } from './network.ts';
import { serviceKind } from './service.ts';
import { volumeKind } from './volume.ts';

// Every kind of check, by the `kind` an author writes. A new kind is one module beside this one and
// one row here: the lesson schema, the runner and the check reference in docs/authoring.md follow.
export const checkKinds = {
  command: commandKind,
  container: containerKind,
  image: imageKind,
  volume: volumeKind,
  network: networkKind,
  http: httpKind,
  hub: hubKind,
  compose: composeKind,
  file: fileKind,
  group: groupKind,
  service: serviceKind,
};

type KindSchema = (typeof checkKinds)[keyof typeof checkKinds]['schema'];

const kindNames = Object.keys(checkKinds);
const kindSchemas = Object.values(checkKinds).map((kind) => kind.schema) as [KindSchema, ...KindSchema[]];

/** One check of an exercise; `kind` says which. */
export const checkSchema = z
  .discriminatedUnion('kind', kindSchemas, {
    error: (issue) =>
      issue.code === 'invalid_union'
        ? `Invalid option: expected one of ${kindNames.map((kind) => `"${kind}"`).join('|')}`
        : undefined,
  })
  .describe("A check: judged against the learner's sandbox, it passes or fails with a message.");

export type Check = z.infer<typeof checkSchema>;

/** Judges one check with the judge of its kind. */
export function judgeCheck(check: Check, context: JudgeContext): Promise<Outcome> {
  const kind: CheckKind = checkKinds[check.kind];
  return kind.judge(check, context);
}

export type { CheckKind, JudgeContext, Outcome } from './check-kind.ts';
export type { CommandCheck } from './command.ts';
export type { ComposeCheck } from './compose.ts';
export type { ContainerCheck } from './container.ts';
export type { FileCheck } from './file.ts';
export type { GroupCheck } from './group.ts';
export type { HttpCheck } from './http.ts';
export type { HubCheck } from './hub.ts';
export type { ImageCheck } from './image.ts';
export type { NetworkCheck } from './network.ts';
export type { ServiceCheck } from './service.ts';
export type { VolumeCheck } from './volume.ts';
export { commandCheckSchema } from './command.ts';
export { composeCheckSchema } from './compose.ts';
export { containerCheckSchema } from './container.ts';
export { fileCheckSchema } from './file.ts';
export { groupCheckSchema } from './group.ts';
export { httpCheckSchema } from './http.ts';
export { hubCheckSchema } from './hub.ts';
export { imageCheckSchema } from './image.ts';
export { networkCheckSchema } from './network.ts';
export { serviceCheckSchema } from './service.ts';
export { volumeCheckSchema } from './volume.ts';
