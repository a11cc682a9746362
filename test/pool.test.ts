import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inSandbox, sandboxesOf } from './helpers/sandbox-host.ts';
import { Platform } from './helpers/platform.ts';
import { TerminalClient } from './helpers/terminal-client.ts';

interface Pool {
  ready: number;
  starting: number;
  size: number;
}

// The warm pool (DOCKYARD_POOL_SIZE): booted sandboxes wait for the next learners, who get a
// prompt at once; the pool refills behind them and is removed on shutdown.
describe('warm sandbox pool', () => {
  const platform = new Platform({ DOCKYARD_POOL_SIZE: '1' });
  const sessions: { id: string; token: string }[] = [];

  const pool = async (): Promise<Pool> => (await platform.api('GET', '/api/health')).body.pool as Pool;
  const poolReady = async () => {
    for (let i = 0; i < 300; i++) {
      if ((await pool()).ready === 1) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`the pool did not fill: ${JSON.stringify(await pool())}`);
  };
  const instanceContainers = () => sandboxesOf(platform.instance);

  beforeAll(async () => {
    await platform.start();
  });
  afterAll(async () => {
    for (const s of sessions) await platform.api('DELETE', `/api/sessions/${s.id}`, undefined, s.token);
    await platform.stop();
  });

  it('gives the next learner a booted sandbox at once, then boots another', async () => {
    await poolReady();
    const [warm] = await instanceContainers();
    // The machine waiting in the pool has its Docker engine up already (a cold one starts it on
    // its first docker command), so the learner's first `docker run` does not wait for it.
    const engineUp = async (name: string) =>
      (
        await inSandbox(name.replace(/^dockyard-/, ''), 'systemctl is-active docker.service', 'root')
      ).stdout.trim();
    for (let i = 0; i < 100 && (await engineUp(warm!)) !== 'active'; i++)
      await new Promise((r) => setTimeout(r, 200));
    expect(await engineUp(warm!)).toBe('active');
    const created = await platform.api('POST', '/api/sessions', {});
    expect(created.status).toBe(201);
    const session = created.body as { id: string; token: string };
    sessions.push(session);
    expect(`dockyard-${session.id}`).toBe(warm);
    // No waiting for an engine to boot: the session is ready as soon as it exists.
    const state = await platform.api('GET', `/api/sessions/${session.id}`, undefined, session.token);
    expect(state.body.state).toBe('ready');
    const term = await TerminalClient.open(
      `${platform.wsUrl}/api/sessions/${session.id}/terminal?token=${session.token}`,
    );
    await term.waitFor(/learner@dockyard:~\$/);
    term.type('docker info --format "{{.ServerVersion}} {{.Containers}}"\r');
    await term.waitFor(/^2\d\.\d+\.\d+\S* 0\s*$/m);
    await term.close();

    // The pool boots a fresh sandbox for the next learner.
    await poolReady();
    const next = (await instanceContainers()).filter((n) => n !== warm);
    expect(next).toHaveLength(1);
    const second = await platform.api('POST', '/api/sessions', {});
    sessions.push(second.body);
    expect(`dockyard-${second.body.id}`).toBe(next[0]);
    // Each learner's machine is their own.
    await inSandbox(session.id, 'touch ~/mine');
    expect((await inSandbox(second.body.id, 'ls ~/mine')).code).not.toBe(0);
  }, 120_000);

  it("removes warm sandboxes on shutdown and keeps learners' sandboxes for the next start", async () => {
    await poolReady();
    expect(await instanceContainers()).toHaveLength(3);
    await platform.stop();
    expect(await instanceContainers()).toEqual(sessions.map((s) => `dockyard-${s.id}`).sort());
    await platform.start();
    const adopted = await platform.api(
      'GET',
      `/api/sessions/${sessions[0]!.id}`,
      undefined,
      sessions[0]!.token,
    );
    expect(adopted.status).toBe(200);
  }, 120_000);
});
