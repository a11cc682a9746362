import { describe, expect, it, vi } from 'vitest';
import { openDatabase } from '../database.ts';
import { FakeRuntime } from '../sessions/fake-runtime.ts';
import { SessionManager } from '../sessions/session-manager.ts';
import { SessionStore } from '../sessions/session-store.ts';
import { SandboxAddresses } from './sandbox-addresses.ts';

const limits = { memoryBytes: 1, nanoCpus: 1, pidsLimit: 1, diskBytes: 1 };

/** Real sessions over a fake runtime, and the preview's address cache with a small bound. */
async function setUp(sessionCount: number, maxEntries: number) {
  const runtime = new FakeRuntime();
  const clock = { now: 1_000_000 };
  const sessions = new SessionManager(
    new SessionStore(openDatabase(':memory:')),
    runtime,
    { ttlMs: 3_600_000, idleMs: 3_600_000, maxSessions: 20, limits, readyTimeoutMs: 1000 },
    () => clock.now,
  );
  const addresses = new SandboxAddresses(sessions, runtime, { ttlMs: 10_000, maxEntries }, () => clock.now);
  const ids: string[] = [];
  for (let i = 0; i < sessionCount; i++) ids.push((await sessions.create(null)).record.id);
  return { runtime, clock, sessions, addresses, ids };
}

describe("the preview's sandbox addresses", () => {
  it('are asked of the runtime once per few seconds, not per request', async () => {
    const { runtime, clock, addresses, ids } = await setUp(1, 10);
    const asked = vi.spyOn(runtime, 'sandboxAddress');
    expect(await addresses.of(ids[0]!)).toBe('10.0.0.2');
    expect(await addresses.of(ids[0]!)).toBe('10.0.0.2');
    expect(asked).toHaveBeenCalledTimes(1);
    clock.now += 10_000;
    await addresses.of(ids[0]!);
    expect(asked).toHaveBeenCalledTimes(2);
  });

  it('are kept for no more sessions than the bound, the oldest dropped first', async () => {
    const { addresses, ids } = await setUp(5, 3);
    for (const id of ids) await addresses.of(id);
    expect(addresses.size).toBe(3);
    expect(ids.map((id) => addresses.holds(id))).toEqual([false, false, true, true, true]);
  });

  it("are forgotten when their session ends, and only that session's", async () => {
    const { sessions, addresses, ids } = await setUp(2, 10);
    const [ended, other] = ids as [string, string];
    await addresses.of(ended);
    await addresses.of(other);
    expect(addresses.holds(ended)).toBe(true);
    await sessions.destroy(ended);
    expect(addresses.holds(ended)).toBe(false);
    expect(addresses.holds(other)).toBe(true);
    expect(addresses.size).toBe(1);
  });

  it("say the address could not be read, with a reference, and never the runtime's own text", async () => {
    const { runtime, addresses, ids } = await setUp(1, 10);
    vi.spyOn(runtime, 'sandboxAddress').mockRejectedValue(
      new Error('incus: instance dockyard-x: socket EOF'),
    );
    const refused = await addresses.of(ids[0]!).catch((err: Error) => err);
    expect((refused as Error).message).toBe(
      `Your machine's address could not be read (reference ${ids[0]}; the server's log has the cause under it).`,
    );
    expect((refused as Error).message).not.toMatch(/incus|socket/);
  });
});
