import { z } from 'zod';
import { shellQuote } from '../docker-state.ts';
import { machineSchema, regexSchema } from '../schema-fields.ts';
import { checkBaseShape, type CheckKind } from './check-kind.ts';
import { describeText, quoteOutput } from './wording.ts';

/** A check that fetches a page from a port of the learner's machine. */
export const httpCheckSchema = z
  .strictObject({
    ...checkBaseShape,
    kind: z.literal('http').describe("GET a URL on the learner's machine with curl."),
    port: z.int().min(1).max(65535).describe('The port on the machine, e.g. 5000.'),
    path: z.string().startsWith('/').default('/').describe('The path to fetch.'),
    host: machineSchema
      .optional()
      .describe(
        'In a lesson with several machines: fetch from another one, by its name (`node1`…), instead of `localhost`. The check runs on its `machine`.',
      ),
    expect: z
      .strictObject({
        status: z.int().min(100).max(599).default(200).describe('The HTTP status.'),
        body: regexSchema.optional().describe('A regular expression the response body must match.'),
      })
      .default({ status: 200 })
      .describe('What the response must be.'),
  })
  .describe(
    'Passes when `http://localhost:<port><path>` (or `http://<host>:<port><path>`) answers as expected.',
  );

export type HttpCheck = z.infer<typeof httpCheckSchema>;

export const httpKind: CheckKind<typeof httpCheckSchema> = {
  schema: httpCheckSchema,
  async judge(check, { sandbox, timeoutMs }) {
    const url = `http://${check.host ?? 'localhost'}:${check.port}${check.path}`;
    const seconds = Math.max(1, Math.floor(timeoutMs / 2000));
    const result = await sandbox.exec(
      `curl -sS --max-time ${seconds} -w '\\n%{http_code}' ${shellQuote(url)}`,
      {
        user: 'root',
        timeoutMs,
      },
    );
    if (result.exitCode !== 0) {
      const refused = result.exitCode === 7;
      return {
        passed: false,
        found: refused
          ? `Nothing answers on port ${check.port} of your machine (connection refused); expected a web server there.`
          : `Fetching ${url} failed: ${quoteOutput(result.stderr || `curl exit code ${result.exitCode}`)}.`,
      };
    }
    const cut = result.stdout.lastIndexOf('\n');
    const body = result.stdout.slice(0, cut);
    const status = Number(result.stdout.slice(cut + 1).trim());
    if (status !== check.expect.status)
      return {
        passed: false,
        found: `${url} answered with status ${status} (expected ${check.expect.status}): ${describeText(body)}.`,
      };
    if (check.expect.body !== undefined && !new RegExp(check.expect.body, 'm').test(body))
      return {
        passed: false,
        found: `${url} answered, but its page does not match /${check.expect.body}/: ${describeText(body)}.`,
      };
    return { passed: true };
  },
  reference: `\`\`\`yaml
- id: page-counts
  kind: http
  port: 8000
  expect: { status: 200, body: 'visited \\d+ times' }
\`\`\``,
};
