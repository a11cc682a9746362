import { z } from 'zod';
import { shellQuote } from '../docker-state.ts';
import { nameSchema } from '../schema-fields.ts';
import { checkBaseShape, type CheckKind } from './check-kind.ts';
import { quoteOutput } from './wording.ts';

/** A check that the learner's image is in the lab hub. */
export const hubCheckSchema = z
  .strictObject({
    ...checkBaseShape,
    kind: z.literal('hub').describe("Ask the lab hub, with the learner's login, for a pushed image."),
    repository: nameSchema.describe('The repository, usually `{{hub.username}}/<name>`.'),
    tag: nameSchema.default('latest').describe('The tag.'),
  })
  .describe("Passes when the hub holds repository:tag, read with the learner's own login.");

export type HubCheck = z.infer<typeof hubCheckSchema>;

const networkTrouble =
  /dial tcp|no such host|i\/o timeout|connection refused|server misbehaving|TLS handshake/i;

export const hubKind: CheckKind<typeof hubCheckSchema> = {
  schema: hubCheckSchema,
  async judge(check, { sandbox, timeoutMs }) {
    const reference = `${check.repository}:${check.tag}`;
    // As the learner, so the hub sees their own login; manifest inspect reads the registry without pulling.
    const asked = await sandbox.exec(`docker manifest inspect --insecure ${shellQuote(reference)}`, {
      user: 'learner',
      timeoutMs,
    });
    let result = asked;
    if (asked.exitCode !== 0 && networkTrouble.test(asked.stderr)) {
      // The daemon reaches the hub through its mirror setting even when the client alone cannot.
      result = await sandbox.exec(`docker pull -q ${shellQuote(reference)}`, { user: 'learner', timeoutMs });
    }
    if (result.exitCode === 0) return { passed: true };
    const said = result.stderr.trim();
    if (/manifest unknown|no such manifest|not found|does not exist/i.test(said))
      return { passed: false, found: `The hub has no ${reference} yet.` };
    if (/unauthorized|denied|authentication required/i.test(said))
      return {
        passed: false,
        found: `The hub refused to show ${reference}: you are not logged in as its owner (it said ${quoteOutput(said)}).`,
      };
    if (/permission denied.*docker\.sock/i.test(said))
      return { passed: false, found: 'Your user may not use Docker yet (permission denied on docker.sock).' };
    return {
      passed: false,
      found: `Asking the hub for ${reference} failed: ${quoteOutput(said || 'no output')}.`,
    };
  },
  reference: `The hub is asked **as the learner** (\`docker manifest inspect\`, then \`docker pull\` if the client
alone cannot reach the registry), so it sees the learner's own login.`,
};
