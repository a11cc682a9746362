import { afterAll, describe, expect, it, vi } from 'vitest';
import { leftovers, runtime } from './helpers/sandbox-host.ts';
import { Platform } from './helpers/platform.ts';
import { TerminalClient } from './helpers/terminal-client.ts';

// Sessions end with everything they own; a restart never leaks what a previous run left.
describe('reaping and recovery', () => {
  const platform = new Platform({
    // Longer than a cold boot on a busy host (6 s on Incus here), or the session ends mid-boot.
    DOCKYARD_SESSION_IDLE_MINUTES: '0.25',
    DOCKYARD_REAP_INTERVAL_SECONDS: '1',
  });
  afterAll(() => platform.stop());

  it('reaps an idle session with its container, volume and network', async () => {
    await platform.start();
    const s = await platform.session();
    // Docker: container, volume and network; Incus: the instance, which holds everything.
    expect((await leftovers(s.id)).length).toBeGreaterThanOrEqual(runtime === 'docker' ? 3 : 1);
    // Idle timeout is 15 s; the reaper runs every second.
    const deadline = Date.now() + 45_000;
    while ((await leftovers(s.id)).length > 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 500));
    expect(await leftovers(s.id)).toEqual([]);
    expect((await platform.api('GET', `/api/sessions/${s.id}`, undefined, s.token)).status).toBe(404);
  }, 120_000);

  it('on start-up removes sandboxes whose session it does not know', async () => {
    const s = await platform.session();
    await platform.stop('SIGKILL');
    // Forget the session, as if the database were lost; the sandbox is still on the host.
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(platform.dbFile);
    db.prepare('DELETE FROM sessions').run();
    db.close();
    expect(await leftovers(s.id)).not.toEqual([]);
    await platform.start();
    expect(await leftovers(s.id)).toEqual([]);
  });
});

// An open terminal keeps its machine only while someone types or the page is in view.
describe('an open terminal nobody uses', () => {
  // 45 s: longer than the 30 s beat at which an open socket once kept its session alive, so a
  // server that still counted the open socket would keep the silent session and fail this test.
  const platform = new Platform({
    DOCKYARD_SESSION_IDLE_MINUTES: '0.75',
    DOCKYARD_REAP_INTERVAL_SECONDS: '1',
  });
  afterAll(() => platform.stop());

  it('is reaped after the idle timeout, while one whose page says it is in view is kept', async () => {
    await platform.start();
    const silent = await platform.session();
    const watched = await platform.session();
    const open = async (s: { id: string; token: string }) => {
      const term = await TerminalClient.open(
        `${platform.wsUrl}/api/sessions/${s.id}/terminal?token=${s.token}`,
      );
      await term.waitFor(/learner@dockyard:~\$/);
      return term;
    };
    const silentTerm = await open(silent);
    const watchedTerm = await open(watched);
    // The page's beat, faster than the real one (a minute) to fit the short timeout.
    const beat = setInterval(() => watchedTerm.control({ type: 'active' }), 5_000);
    try {
      // Poll the host, not the API: a call on the session would itself count as use.
      const deadline = Date.now() + 120_000;
      while ((await leftovers(silent.id)).length > 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 1000));
      expect(await leftovers(silent.id)).toEqual([]);
      await vi.waitFor(() => expect(silentTerm.closed).toBe(true), { timeout: 10_000 });
      expect(watchedTerm.closed).toBe(false);
      expect(
        (await platform.api('GET', `/api/sessions/${watched.id}`, undefined, watched.token)).status,
      ).toBe(200);
      // The learner who comes back is told why.
      const back = await platform.api('GET', `/api/sessions/${silent.id}`, undefined, silent.token);
      expect(back.status).toBe(404);
      expect(back.body.error).toEqual({
        code: 'session_idle',
        message:
          'Your machine was stopped after 0.75 minutes without use. Its files are gone; your progress and your hub images are kept. A fresh machine is starting.',
      });
    } finally {
      clearInterval(beat);
      await watchedTerm.close();
      await silentTerm.close();
      await platform.api('DELETE', `/api/sessions/${watched.id}`, undefined, watched.token);
    }
  }, 240_000);
});
