import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker } from './helpers/docker-cli.ts';
import { inSandbox, isRunning, leftovers, limitsOf, runtime, stopSandbox } from './helpers/sandbox-host.ts';
import { Platform } from './helpers/platform.ts';
import { TerminalClient } from './helpers/terminal-client.ts';

// A learner's machine from creation to deletion, with the exercise check failing then passing.
describe('sandbox lifecycle', () => {
  const platform = new Platform();
  let session: { id: string; token: string };

  beforeAll(async () => {
    await platform.start();
    session = await platform.session('first-container');
  });
  afterAll(() => platform.stop());

  it('is a Debian machine with a sudo-capable learner, Docker 26, compose v2 and buildx', async () => {
    const r = await inSandbox(
      session.id,
      'whoami; sudo -n true && echo sudo-ok; docker version --format "{{.Server.Version}}"; docker compose version --short; docker buildx version; . /etc/os-release; echo $ID',
    );
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('learner');
    expect(lines[1]).toBe('sudo-ok');
    expect(lines[2]).toMatch(/^26\./);
    expect(lines[3]).toMatch(/^2\./);
    expect(lines[4]).toMatch(/buildx/);
    expect(lines[5]).toBe('debian');
  });

  it('fails the hello-world check on a fresh machine, saying what is missing, and passes after the run', async () => {
    const checkPath = `/api/sessions/${session.id}/exercises/first-container/run-hello-world/check`;
    const before = await platform.api('POST', checkPath, undefined, session.token);
    expect(before.status).toBe(200);
    expect(before.body.passed).toBe(false);
    expect(before.body.checks.length).toBeGreaterThan(0);
    for (const check of before.body.checks) {
      expect(check.passed).toBe(false);
      expect(check.message).toMatch(/hello-world/);
      expect(check.hint).toEqual(expect.any(String));
    }

    const run = await inSandbox(session.id, 'docker run hello-world');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Hello from Dockyard!/);

    const after = await platform.api('POST', checkPath, undefined, session.token);
    expect(after.body.passed).toBe(true);
    expect(after.body.checks.every((c: { passed: boolean }) => c.passed)).toBe(true);
  });

  it('keeps nested containers inside the sandbox, not on the host engine', async () => {
    const host = await docker('ps', '-a', '--filter', 'ancestor=hello-world', '-q');
    expect(host.stdout.trim()).toBe('');
    const inner = await inSandbox(session.id, 'docker ps -aq | wc -l');
    expect(Number(inner.stdout.trim())).toBeGreaterThanOrEqual(1);
  });

  it('applies the memory, CPU and PID limits to the sandbox', async () => {
    expect(await limitsOf(session.id)).toEqual({ memory: 1024 ** 3, cpus: 1, pids: 1024 });
  });

  it('starts a machine the learner powered off again, with their files and images', async () => {
    await inSandbox(session.id, 'echo kept > ~/notes.txt && sudo poweroff');
    for (let i = 0; ; i++) {
      if (!(await isRunning(session.id))) break;
      if (i > 150) throw new Error('the sandbox did not power off');
      await new Promise((r) => setTimeout(r, 200));
    }
    // The next check starts it again; the image and the finished container are still there.
    const checkPath = `/api/sessions/${session.id}/exercises/first-container/run-hello-world/check`;
    const check = await platform.api('POST', checkPath, undefined, session.token);
    expect(check.body.passed, JSON.stringify(check.body)).toBe(true);
    const term = await TerminalClient.open(
      `${platform.wsUrl}/api/sessions/${session.id}/terminal?token=${session.token}`,
    );
    await term.waitFor(/learner@dockyard:~\$/);
    term.type('cat ~/notes.txt\r');
    await term.waitFor(/^kept\s*$/m);
    await term.close();
  }, 120_000);

  it('starts a stopped machine of a live session on start-up, instead of removing it', async () => {
    await platform.stop();
    expect(await stopSandbox(session.id)).toBe(0);
    await platform.start();
    for (let i = 0; ; i++) {
      const state = await platform.api('GET', `/api/sessions/${session.id}`, undefined, session.token);
      expect(state.status).toBe(200);
      if (state.body.state === 'ready') break;
      if (i > 300) throw new Error(`the sandbox did not come back: ${JSON.stringify(state.body)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect((await inSandbox(session.id, 'cat ~/notes.txt')).stdout.trim()).toBe('kept');
  }, 120_000);

  it('outlives a learner who wrecks their own machine, and a fresh machine replaces it', async () => {
    const wrecked = await platform.session('first-container');
    // PID 1 shrugs off SIGKILL from inside its namespace; the machine carries on.
    await inSandbox(wrecked.id, 'kill -9 1', 'root');
    expect((await inSandbox(wrecked.id, 'echo alive-$((2+3))')).stdout.trim()).toBe('alive-5');
    // Without /usr there is no shell, no sudo, no docker CLI left in the machine.
    await inSandbox(wrecked.id, 'rm -rf --no-preserve-root /usr', 'root', 120_000);
    const checkPath = `/api/sessions/${wrecked.id}/exercises/first-container/run-hello-world/check`;
    const check = await platform.api('POST', checkPath, undefined, wrecked.token);
    // The learner is told the check did not pass (or why it could not run), never a crash.
    if (check.status === 200) expect(check.body.passed).toBe(false);
    else expect(check.body.error.message).toEqual(expect.any(String));
    expect((await platform.api('GET', '/api/health')).status).toBe(200);
    // Starting over: the wrecked machine goes, a new one works, other learners never noticed.
    const removed = await platform.api('DELETE', `/api/sessions/${wrecked.id}`, undefined, wrecked.token);
    expect(removed.status).toBe(204);
    expect(await leftovers(wrecked.id)).toEqual([]);
    const fresh = await platform.session('first-container');
    expect((await inSandbox(fresh.id, 'docker version --format ok-{{.Server.Os}}')).stdout.trim()).toBe(
      'ok-linux',
    );
    expect((await inSandbox(session.id, 'echo unaffected')).stdout.trim()).toBe('unaffected');
    await platform.api('DELETE', `/api/sessions/${fresh.id}`, undefined, fresh.token);
  }, 240_000);

  it('DELETE removes the container, its volume and its network', async () => {
    expect((await leftovers(session.id)).length).toBeGreaterThanOrEqual(runtime === 'docker' ? 3 : 1);
    const res = await platform.api('DELETE', `/api/sessions/${session.id}`, undefined, session.token);
    expect(res.status).toBe(204);
    expect(await leftovers(session.id)).toEqual([]);
    const gone = await platform.api('GET', `/api/sessions/${session.id}`, undefined, session.token);
    expect(gone.status).toBe(404);
  });
});
