import { afterAll, describe, expect, it } from 'vitest';
import { leftovers, runtime } from './helpers/sandbox-host.ts';
import { Platform } from './helpers/platform.ts';

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
