import { describe, expect, it } from 'vitest';
import { openDatabase } from '../database.ts';
import { FakeRuntime } from './fake-runtime.ts';
import { HOST_DOWN, watchMembers } from './member-watch.ts';
import { SessionManager } from './session-manager.ts';
import { SessionStore } from './session-store.ts';

const limits = { memoryBytes: 1, nanoCpus: 1, pidsLimit: 1, diskBytes: 1 };

describe('the cluster member watch', () => {
  it("ends the sessions on a member that went down, and their machines stop taking others' places", async () => {
    const runtime = new FakeRuntime();
    const store = new SessionStore(openDatabase(':memory:'));
    const manager = new SessionManager(store, runtime, {
      ttlMs: 3_600_000,
      idleMs: 3_600_000,
      maxSessions: 2,
      limits,
      readyTimeoutMs: 1000,
    });
    const onDown = await manager.create('lesson-1');
    const onUp = await manager.create('lesson-1');
    await expect(manager.create('lesson-1')).rejects.toMatchObject({ status: 503 });

    // The member holding the first machine goes down: its machine cannot be removed for now.
    runtime.strandedIds = [onDown.record.id];
    runtime.removeFailure = new Error('Member m2 is offline');
    const stop = watchMembers(runtime, manager, 5);
    try {
      for (let i = 0; i < 100 && manager.state(onDown.record.id) !== 'stopping'; i++)
        await new Promise((r) => setTimeout(r, 5));
      expect(manager.state(onDown.record.id)).toBe('stopping');
      expect(() => manager.requireLive(onDown.record.id)).toThrow(HOST_DOWN.message);
      expect(manager.state(onUp.record.id)).toBe('ready');

      // Its learner starts again on the member that is up: there is room, although the ended
      // session's row waits for its member.
      const again = await manager.create('lesson-1');
      expect(manager.state(again.record.id)).not.toBe('gone');
      expect(manager.machinesInUse()).toBe(2);

      // The member is back: the reaper removes the machine, and the count stays right.
      runtime.removeFailure = undefined;
      runtime.strandedIds = [];
      await manager.reap();
      expect(manager.state(onDown.record.id)).toBe('gone');
      expect(manager.machinesInUse()).toBe(2);
      await expect(manager.create('lesson-1')).rejects.toMatchObject({ status: 503 });
    } finally {
      stop();
    }
  });
});
