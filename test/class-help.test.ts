import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newInstructor } from './helpers/instructors.ts';
import { Platform } from './helpers/platform.ts';
import { inSandbox } from './helpers/sandbox-host.ts';
import { TerminalClient } from './helpers/terminal-client.ts';

const ADMIN = 'admin-test-token-0123456789';
const LEARNER = `dockyard_learner=${'7a'.repeat(16)}`;

/** One lesson with a setup script, so a reset can be seen in the machine. */
function writeLessons(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-lessons-'));
  fs.mkdirSync(path.join(dir, '01-prepared'));
  fs.writeFileSync(
    path.join(dir, '01-prepared', 'lesson.mdx'),
    '---\ntitle: Prepared\nsummary: A lesson with a setup script.\n---\n\n<Exercise id="look" />\n',
  );
  fs.writeFileSync(
    path.join(dir, '01-prepared', 'exercises.yaml'),
    `setup: |
  mkdir -p /srv/demo && echo from-setup > /srv/demo/setup.txt
exercises:
  - id: look
    title: Look
    solve: "true"
    checks:
      - id: there
        kind: command
        run: "true"
        title: Always
        message: Never.
        hint: Nothing to do.
`,
  );
  return dir;
}

// Watching and helping in a class learner's terminal, and resetting their lesson, on a real server
// and a real machine (docs/api.md, "Workshop classes").
describe('an instructor watches and helps in a learner terminal', () => {
  const platform = new Platform({ DOCKYARD_INSTRUCTOR_TOKEN: ADMIN, DOCKYARD_LESSONS_DIR: writeLessons() });
  const signIn = (username: string) => newInstructor(platform, ADMIN, username);
  let owner: { cookie: string };
  let other: { cookie: string };
  let session: { id: string; token: string };
  let classId = '';
  let learnerId = '';
  let learner: TerminalClient;

  const instructorTerminal = (mode: 'watch' | 'help', cookie = owner) =>
    TerminalClient.open(
      `${platform.wsUrl}/api/classes/${classId}/learners/${learnerId}/terminal?mode=${mode}`,
      { headers: cookie },
    );

  beforeAll(async () => {
    await platform.start();
    owner = await signIn('teacher-a');
    other = await signIn('teacher-b');
    const created = await platform.api(
      'POST',
      '/api/classes',
      { name: 'Morning', capacity: 5 },
      undefined,
      owner,
    );
    classId = created.body.id as string;
    const joined = await platform.api(
      'POST',
      '/api/classes/join',
      { code: created.body.code, name: 'Ada' },
      undefined,
      { cookie: LEARNER },
    );
    expect(joined.status).toBe(200);
    session = await platform.session('prepared', LEARNER);
    const roster = await platform.api('GET', `/api/classes/${classId}/roster`, undefined, undefined, owner);
    learnerId = roster.body.learners[0].id as string;
    learner = await TerminalClient.open(
      `${platform.wsUrl}/api/sessions/${session.id}/terminal?token=${session.token}`,
    );
    await learner.waitFor(/\$ $/m);
  }, 300_000);
  afterAll(async () => {
    await learner?.close();
    await platform.stop();
  });

  it('lets the instructor watch: they see what the learner types, and the learner stays attached', async () => {
    const watcher = await instructorTerminal('watch');
    learner.type('echo typed-by-$((40 + 2))-learner\r');
    await learner.waitFor(/typed-by-42-learner/);
    await watcher.waitFor(/typed-by-42-learner/);
    expect(learner.closed).toBe(false);
    await watcher.close();
  });

  it('refuses input in watch mode: nothing reaches the shell', async () => {
    const watcher = await instructorTerminal('watch');
    await watcher.waitFor(/\$ /);
    watcher.type('touch /tmp/from-watcher\r');
    await expect
      .poll(() => watcher.controls)
      .toContainEqual({
        type: 'error',
        message: 'Watch mode is read-only.',
      });
    await new Promise((r) => setTimeout(r, 500));
    expect((await inSandbox(session.id, 'test -e /tmp/from-watcher')).code).not.toBe(0);
    await watcher.close();
  });

  it("runs the helper's command in the learner's shell and tells the learner they type", async () => {
    const helper = await instructorTerminal('help');
    await helper.waitFor(/\$ /);
    helper.type('echo helped-$((6 * 7))\r');
    await helper.waitFor(/helped-42/);
    await learner.waitFor(/helped-42/);
    await expect.poll(() => learner.controls).toContainEqual({ type: 'helper', typing: true });
    await helper.close();
    await expect.poll(() => learner.controls.at(-1)).toEqual({ type: 'helper', typing: false });
    // Neither attach detached the learner.
    expect(learner.closed).toBe(false);
  });

  it("resets the learner's lesson: its setup runs again in their machine", async () => {
    await inSandbox(session.id, 'rm -f /srv/demo/setup.txt', 'root');
    const reset = await platform.api(
      'POST',
      `/api/classes/${classId}/learners/${learnerId}/reset`,
      { lesson: 'prepared' },
      undefined,
      owner,
    );
    expect(reset.status).toBe(204);
    expect((await inSandbox(session.id, 'cat /srv/demo/setup.txt', 'root')).stdout.trim()).toBe('from-setup');
  });

  it('answers another instructor 404, for the terminal and the actions alike', async () => {
    await expect(instructorTerminal('watch', other)).rejects.toThrow('HTTP 404');
    const reset = await platform.api(
      'POST',
      `/api/classes/${classId}/learners/${learnerId}/reset`,
      { lesson: 'prepared' },
      undefined,
      other,
    );
    expect(reset.status).toBe(404);
    await expect(instructorTerminal('help', { cookie: LEARNER })).rejects.toThrow('HTTP 403');
  });
});
