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

  it("removes a machine left on a member that was down once the member is back, if it is nobody's", async () => {
    const runtime = new FakeRuntime();
    const store = new SessionStore(openDatabase(':memory:'));
    const manager = new SessionManager(store, runtime, {
      ttlMs: 3_600_000,
      idleMs: 3_600_000,
      maxSessions: 4,
      limits,
      readyTimeoutMs: 1000,
    });
    const kept = await manager.create('lesson-1');
    // A machine whose session ended while the server was stopped (its row dropped at start, the
    // member down), and one of another server's on that member (never listed as ours).
    runtime.sandboxes.set('left-behind', { running: true });
    runtime.strandedIds = ['left-behind', 'not-ours'];
    const stop = watchMembers(runtime, manager, 5);
    try {
      await new Promise((r) => setTimeout(r, 30));
      // Down: nothing can be removed yet, and nothing is tried.
      expect(runtime.sandboxes.has('left-behind')).toBe(true);
      expect(runtime.calls.remove).toBe(0);
      // The member is back.
      runtime.strandedIds = [];
      for (let i = 0; i < 100 && runtime.sandboxes.has('left-behind'); i++)
        await new Promise((r) => setTimeout(r, 5));
      expect(runtime.sandboxes.has('left-behind')).toBe(false);
      expect(runtime.calls.remove).toBe(1);
      expect(manager.state(kept.record.id)).toBe('ready');
    } finally {
      stop();
    }
  });
});
