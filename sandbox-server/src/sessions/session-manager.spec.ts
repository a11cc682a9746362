import { afterEach, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '../database.ts';
import { CommandTimeoutError } from '../runtime/sandbox-runtime.ts';
import { FakeRuntime } from './fake-runtime.ts';
import { SessionManager, type SessionPolicy } from './session-manager.ts';
import { SessionStore } from './session-store.ts';

const MINUTE = 60_000;
const limits = { memoryBytes: 1, nanoCpus: 1, pidsLimit: 1, diskBytes: 1 };

/** A manager over a fake runtime, an in-memory database and a clock the spec moves. */
function setUp(policy: Partial<SessionPolicy> = {}) {
  const runtime = new FakeRuntime();
  const db = openDatabase(':memory:');
  const store = new SessionStore(db);
  const clock = { now: 1_000_000 };
  const manager = new SessionManager(
    store,
    runtime,
    { ttlMs: 240 * MINUTE, idleMs: 30 * MINUTE, maxSessions: 20, limits, readyTimeoutMs: 1000, ...policy },
    () => clock.now,
  );
  return { runtime, db, store, clock, manager };
}

/** Lets every promise callback queued so far run. */
const settle = () => new Promise((r) => setTimeout(r, 0));

/** The log's error lines (JSON, on stderr) written from now on. */
function captureErrorLog(): () => string[] {
  const lines: string[] = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  return () => lines;
}

afterEach(() => {
  vi.restoreAllMocks();
});

/** Incus's own words, as a failing runtime gives them: never for the learner's eyes. */
const INCUS_TEXT = 'Failed to start device eth0: Failed to create the veth interface: quota exhausted';

describe('a session from start to end', () => {
  it('goes starting → ready, kept on its row, and is gone once destroyed', async () => {
    const { runtime, manager, store, db } = setUp();
    runtime.hold('ready');
    const { record } = await manager.create('lesson-1');
    expect(manager.state(record.id)).toBe('starting');
    runtime.release('ready');
    await manager.whenReady(record.id);
    expect(manager.state(record.id)).toBe('ready');
    // The state is on the row, not only in this process.
    expect(new SessionStore(db).get(record.id)?.state).toBe('ready');
    await manager.destroy(record.id);
    expect(manager.state(record.id)).toBe('gone');
    expect(store.count()).toBe(0);
    expect(runtime.sandboxes.size).toBe(0);
  });

  it('is failed when the engine never answers: a sentence with a reference for the learner, the runtime text in the log', async () => {
    const { runtime, manager } = setUp();
    const log = captureErrorLog();
    runtime.hold('ready');
    const { record } = await manager.create(null);
    runtime.fail('ready', `The sandbox's Docker engine did not start within 90s: ${INCUS_TEXT}`);
    const sentence = `The machine did not start (reference ${record.id}; the server's log has the cause under it).`;
    await expect(manager.whenReady(record.id)).rejects.toThrow(sentence);
    expect(manager.state(record.id)).toBe('failed');
    expect(manager.failure(record.id)).toBe(sentence);
    await expect(manager.requireReady(record.id)).rejects.toMatchObject({
      status: 503,
      message: `Your machine is not running: ${sentence} Start a new session (reload the page) to get a fresh one.`,
    });
    const logged = log().find((line) => line.includes('sandbox failed to become ready'))!;
    expect(JSON.parse(logged)).toMatchObject({
      sessionId: record.id,
      err: { message: expect.stringContaining(INCUS_TEXT) },
    });
  });

  it('that could not be created tells the learner a sentence with a reference; the log has the runtime text', async () => {
    const { runtime, manager, store } = setUp();
    const log = captureErrorLog();
    runtime.hold('create');
    const creating = manager.create(null);
    await settle();
    const [id] = store.all().map((r) => r.id);
    runtime.fail('create', INCUS_TEXT);
    await expect(creating).rejects.toMatchObject({
      status: 503,
      message: `Your sandbox could not be started (reference ${id}; the server's log has the cause under it). Try again in a minute.`,
    });
    const logged = log().find((line) => line.includes('sandbox could not be created'))!;
    expect(JSON.parse(logged)).toMatchObject({ sessionId: id, err: { message: INCUS_TEXT } });
  });
});

describe('destroy wins over work in flight', () => {
  it('a readiness wait that ends after a DELETE does not bring the session back', async () => {
    const { runtime, manager, store } = setUp();
    runtime.hold('ready');
    const { record } = await manager.create(null);
    const waiting = manager.whenReady(record.id);
    await manager.destroy(record.id);
    runtime.release('ready');
    await expect(waiting).rejects.toThrow('This session has ended.');
    await settle();
    expect(manager.state(record.id)).toBe('gone');
    expect(store.get(record.id)).toBeUndefined();
    expect(runtime.sandboxes.has(record.id)).toBe(false);
  });

  it('a restart after a poweroff that ends after a DELETE does not bring it back', async () => {
    const { runtime, manager, store } = setUp();
    const { record } = await manager.create(null);
    await manager.whenReady(record.id);
    runtime.sandboxes.get(record.id)!.running = false; // the learner ran `sudo poweroff`
    runtime.hold('start');
    const check = manager.ensureRunning(record.id);
    await settle();
    expect(runtime.pending('start')).toBe(1);
    await manager.destroy(record.id);
    runtime.release('start');
    await expect(check).rejects.toThrow();
    await settle();
    expect(manager.state(record.id)).toBe('gone');
    expect(store.count()).toBe(0);
    expect(runtime.sandboxes.size).toBe(0);
  });

  it('a machine still being made when the session ends is removed once it exists', async () => {
    const { runtime, manager } = setUp();
    runtime.hold('create');
    const creating = manager.create(null);
    await settle();
    const [id] = [...(manager as unknown as { store: SessionStore }).store.all()].map((r) => r.id);
    await manager.destroy(id!);
    runtime.release('create');
    await expect(creating).rejects.toMatchObject({ status: 503 });
    expect(runtime.sandboxes.size).toBe(0);
  });
});

describe('a machine that stopped', () => {
  it('is started once for many callers, and the session is ready again', async () => {
    const { runtime, manager } = setUp();
    const { record } = await manager.create(null);
    await manager.whenReady(record.id);
    runtime.sandboxes.get(record.id)!.running = false;
    runtime.hold('start');
    const callers = [1, 2, 3].map(() => manager.ensureRunning(record.id));
    await settle();
    expect(manager.state(record.id)).toBe('starting');
    runtime.release('start');
    await Promise.all(callers);
    expect(runtime.calls.start).toBe(1);
    expect(manager.state(record.id)).toBe('ready');
  });
});

describe('a command that finds the machine stopped', () => {
  it('has it started again, once, and runs — even while it still said it was running', async () => {
    const { runtime, manager } = setUp();
    const { record } = await manager.create(null);
    await manager.whenReady(record.id);
    runtime.sandboxes.get(record.id)!.running = false; // `sudo poweroff`, just now
    runtime.goingDownFor = 2; // Incus still reports it running for a moment
    const sandbox = manager.sandbox(record.id);
    const [a, b] = await Promise.all([sandbox.exec('docker ps'), sandbox.exec('docker images')]);
    expect([a.stdout, b.stdout]).toEqual(['ok', 'ok']);
    expect(runtime.calls.start).toBe(1);
    expect(manager.state(record.id)).toBe('ready');
  });

  it("tells the learner in a sentence, not in the runtime's words, when the machine will not start again", async () => {
    const { runtime, manager } = setUp();
    const { record } = await manager.create(null);
    await manager.whenReady(record.id);
    const log = captureErrorLog();
    runtime.sandboxes.get(record.id)!.running = false;
    runtime.hold('start');
    const attempt = manager.sandbox(record.id).exec('docker ps');
    await settle();
    runtime.fail('start', INCUS_TEXT);
    await expect(attempt).rejects.toMatchObject({
      status: 503,
      message:
        `Your machine is not running: The machine did not start (reference ${record.id}; the server's log ` +
        'has the cause under it). Start a new session (reload the page) to get a fresh one.',
    });
    expect(manager.failure(record.id)).not.toContain('quota');
    expect(log().some((line) => line.includes(record.id) && line.includes(INCUS_TEXT))).toBe(true);
  });

  it('answers in a sentence when the runtime cannot even say whether it runs', async () => {
    const { runtime, manager } = setUp();
    const { record } = await manager.create(null);
    await manager.whenReady(record.id);
    captureErrorLog();
    runtime.isRunning = () => Promise.reject(new Error(INCUS_TEXT));
    await expect(manager.ensureRunning(record.id)).rejects.toThrow(
      `The machine did not start (reference ${record.id}; the server's log has the cause under it).`,
    );
  });
});

describe('a command the runtime cannot run', () => {
  it('fails with a sentence and a reference; the runtime text is in the log only', async () => {
    const { runtime, manager } = setUp();
    const { record } = await manager.create(null);
    await manager.whenReady(record.id);
    const log = captureErrorLog();
    runtime.execFailure = new Error(INCUS_TEXT);
    await expect(manager.sandbox(record.id).exec('docker ps')).rejects.toThrow(
      new Error(
        `Your machine could not run the command (reference ${record.id}; the server's log has the cause under it).`,
      ),
    );
    expect(log().some((line) => line.includes(record.id) && line.includes(INCUS_TEXT))).toBe(true);
  });

  it('keeps the sentence of a command that ran past its time', async () => {
    const { runtime, manager } = setUp();
    const { record } = await manager.create(null);
    await manager.whenReady(record.id);
    runtime.execFailure = new CommandTimeoutError(30_000);
    await expect(manager.sandbox(record.id).exec('sleep 60')).rejects.toMatchObject({
      message: 'The command did not finish within 30s.',
    });
  });
});

describe('one learner, one machine per lesson', () => {
  it('a second POST (two tabs, a double click) returns the live session with a token of its own', async () => {
    const { runtime, manager } = setUp();
    const first = await manager.create('volumes', 'learner-a');
    const second = await manager.create('volumes', 'learner-a');
    expect(second.record.id).toBe(first.record.id);
    expect(second.token).not.toBe(first.token);
    expect(runtime.calls.create).toBe(1);
    // Both tabs keep working.
    expect(manager.authorize(first.record.id, first.token).id).toBe(first.record.id);
    expect(manager.authorize(first.record.id, second.token).id).toBe(first.record.id);
  });

  it('another lesson, another learner or an anonymous caller gets a machine of its own', async () => {
    const { runtime, manager } = setUp();
    const a = await manager.create('volumes', 'learner-a');
    const ids = new Set([
      a.record.id,
      (await manager.create('compose', 'learner-a')).record.id,
      (await manager.create('volumes', 'learner-b')).record.id,
      (await manager.create('volumes', null)).record.id,
      (await manager.create('volumes', null)).record.id,
    ]);
    expect(ids.size).toBe(5);
    expect(runtime.calls.create).toBe(5);
  });

  it('a session that ended is not returned: the learner gets a new one', async () => {
    const { manager } = setUp();
    const first = await manager.create('volumes', 'learner-a');
    await manager.destroy(first.record.id);
    const second = await manager.create('volumes', 'learner-a');
    expect(second.record.id).not.toBe(first.record.id);
    expect(() => manager.authorize(first.record.id, first.token)).toThrow(/no session/);
  });

  it("another learner's token never opens the session", async () => {
    const { manager } = setUp();
    const mine = await manager.create('volumes', 'learner-a');
    const theirs = await manager.create('volumes', 'learner-b');
    expect(() => manager.authorize(mine.record.id, theirs.token)).toThrow(/does not open/);
    expect(() => manager.authorize(mine.record.id, undefined)).toThrow(/needs the session token/);
  });
});

describe('one capacity rule for sessions and the warm pool', () => {
  it('never holds more sandboxes than maxSessions, and takes a booting warm one instead of answering 503', async () => {
    const { runtime, manager } = setUp({ maxSessions: 2, poolSize: 2 });
    runtime.hold('ready');
    manager.fillPool();
    expect(runtime.calls.create).toBe(2);
    // Both warm sandboxes still boot: the learner gets one of them, not a third machine.
    const a = await manager.create(null);
    expect(runtime.calls.create).toBe(2);
    expect(manager.state(a.record.id)).toBe('starting');
    runtime.release('ready');
    await manager.whenReady(a.record.id);
    expect(manager.state(a.record.id)).toBe('ready');
    await settle();
    // The other warm one is ready now: the next learner takes it at once.
    expect(manager.poolStatus()).toMatchObject({ ready: 1 });
    const b = await manager.create(null);
    expect(manager.state(b.record.id)).toBe('ready');
    expect(runtime.sandboxes.size).toBe(2);
    // Full: the third learner is told so, and the pool does not boot past the limit.
    await expect(manager.create(null)).rejects.toMatchObject({ status: 503 });
    manager.fillPool();
    expect(runtime.sandboxes.size).toBe(2);
    // A session that ends frees its slot for the pool.
    await manager.destroy(a.record.id);
    expect(runtime.sandboxes.size).toBe(2);
    expect(manager.poolStatus().ready + manager.poolStatus().starting).toBe(1);
  });

  it('refills the pool behind a learner who took a warm sandbox, within the limit', async () => {
    const { runtime, manager } = setUp({ maxSessions: 3, poolSize: 2 });
    manager.fillPool();
    await settle();
    expect(manager.poolStatus()).toMatchObject({ ready: 2, starting: 0 });
    await manager.create(null);
    await settle();
    expect(manager.poolStatus()).toMatchObject({ ready: 2 });
    await manager.create(null);
    await settle();
    // Two sessions and one warm sandbox: the limit of three.
    expect(runtime.sandboxes.size).toBe(3);
    expect(manager.poolStatus()).toMatchObject({ ready: 1, starting: 0 });
  });
});

describe('a pool target that changes (a class pre-warms)', () => {
  it('boots the extra wanted on top of poolSize, within maxSessions, and removes ready ones once it is not wanted', async () => {
    const { runtime, manager } = setUp({ maxSessions: 6, poolSize: 1 });
    const extra = { n: 3 };
    manager.setPoolExtra(() => extra.n);
    manager.fillPool();
    await settle();
    expect(manager.poolStatus()).toEqual({ ready: 4, starting: 0, size: 4 });
    // More than the host may hold: as many as maxSessions allows, no more.
    extra.n = 20;
    manager.fillPool();
    await settle();
    expect(runtime.sandboxes.size).toBe(6);
    expect(manager.poolStatus()).toEqual({ ready: 6, starting: 0, size: 6 });
    // The class ended: the warm sandboxes beyond poolSize are removed, freeing their slots.
    extra.n = 0;
    manager.fillPool();
    await settle();
    expect(runtime.sandboxes.size).toBe(1);
    expect(manager.poolStatus()).toEqual({ ready: 1, starting: 0, size: 1 });
  });

  it('removes a warm sandbox that finishes booting after the target came down', async () => {
    const { runtime, manager } = setUp({ maxSessions: 6, poolSize: 0 });
    const extra = { n: 2 };
    manager.setPoolExtra(() => extra.n);
    runtime.hold('ready');
    manager.fillPool();
    expect(manager.poolStatus()).toEqual({ ready: 0, starting: 2, size: 2 });
    extra.n = 1;
    manager.fillPool();
    runtime.release('ready');
    await settle();
    expect(manager.poolStatus()).toEqual({ ready: 1, starting: 0, size: 1 });
    expect(runtime.sandboxes.size).toBe(1);
  });

  it('keeps the last count when the extra cannot be counted', async () => {
    const { manager } = setUp({ maxSessions: 6, poolSize: 0 });
    let fails = false;
    manager.setPoolExtra(() => {
      if (fails) throw new Error('database is locked');
      return 2;
    });
    manager.fillPool();
    await settle();
    fails = true;
    captureErrorLog();
    manager.fillPool();
    await settle();
    expect(manager.poolStatus()).toEqual({ ready: 2, starting: 0, size: 2 });
  });
});

describe('a proof machine (an instructor proves a class lesson)', () => {
  it('takes a warm one, counts against maxSessions like any machine, and frees its slot once removed', async () => {
    const { runtime, manager, store } = setUp({ maxSessions: 2, poolSize: 1 });
    manager.fillPool();
    await settle();
    const proof = await manager.proofMachine();
    // The warm one, no boot of its own; the pool boots another into the room left.
    expect(runtime.calls.create).toBe(2);
    await settle();
    expect(manager.poolStatus()).toMatchObject({ ready: 1 });
    // It is nobody's session: no row, so no token opens it and no learner is given it.
    expect(store.get(proof.id)).toBeUndefined();
    expect(() => manager.requireLive(proof.id)).toThrow(/There is no session/);
    expect(manager.machinesInUse()).toBe(1);
    // A learner takes the warm one; then the host is full for learners and proofs alike.
    const learner = await manager.create(null);
    expect(learner.record.id).not.toBe(proof.id);
    await expect(manager.create(null)).rejects.toMatchObject({ status: 503 });
    await expect(manager.proofMachine()).rejects.toMatchObject({
      status: 503,
      message: 'Every machine is in use right now: prove it again in a few minutes.',
    });
    expect((await proof.sandbox.exec('echo hi')).stdout).toBe('ok');
    await proof.remove();
    expect(runtime.sandboxes.has(proof.id)).toBe(false);
    expect(manager.machinesInUse()).toBe(1);
    // The slot it freed goes back to the pool.
    await settle();
    expect(manager.poolStatus()).toMatchObject({ ready: 1 });
  });

  it('boots one when the pool has none ready, and removes it, saying so, when it does not start', async () => {
    const { runtime, manager } = setUp({ maxSessions: 2 });
    const proof = await manager.proofMachine();
    expect(runtime.calls).toMatchObject({ create: 1, ready: 1 });
    await proof.remove();
    await proof.remove(); // idempotent
    expect(runtime.calls.remove).toBe(1);

    runtime.hold('ready');
    const starting = manager.proofMachine();
    await settle();
    const log = captureErrorLog();
    runtime.fail('ready', INCUS_TEXT);
    await expect(starting).rejects.toThrow(
      /^The machine for the proof did not start \(reference [0-9a-f]{16};/,
    );
    expect(runtime.sandboxes.size).toBe(0);
    expect(manager.machinesInUse()).toBe(0);
    expect(log().some((line) => line.includes(INCUS_TEXT))).toBe(true);
  });

  it('tells a timeout as the runtime does, and hides what the runtime says when it cannot run a command', async () => {
    const { runtime, manager } = setUp();
    const proof = await manager.proofMachine();
    runtime.execFailure = new CommandTimeoutError(1000);
    await expect(proof.sandbox.exec('sleep infinity')).rejects.toBeInstanceOf(CommandTimeoutError);
    runtime.execFailure = new Error(INCUS_TEXT);
    captureErrorLog();
    await expect(proof.sandbox.exec('true')).rejects.toThrow(
      `The machine could not run the command (reference ${proof.id}; the server's log has the cause under it).`,
    );
  });

  it("is removed on shutdown, and retried at the reaper's beat when its removal failed", async () => {
    const { runtime, manager } = setUp();
    const proof = await manager.proofMachine();
    const remove = runtime.remove.bind(runtime);
    runtime.remove = () => Promise.reject(new Error('incus is busy'));
    captureErrorLog();
    await expect(proof.remove()).rejects.toThrow('incus is busy');
    // Still on the host: it keeps its slot.
    expect(manager.machinesInUse()).toBe(1);
    runtime.remove = remove;
    await manager.reap();
    expect(runtime.sandboxes.size).toBe(0);
    expect(manager.machinesInUse()).toBe(0);

    await manager.proofMachine();
    await manager.removeProofMachines();
    expect(runtime.sandboxes.size).toBe(0);
    expect(manager.machinesInUse()).toBe(0);
  });
});

describe('shutting down', () => {
  it("removes warm sandboxes, those still booting included, and keeps learners' machines", async () => {
    const { runtime, manager } = setUp({ poolSize: 2 });
    runtime.hold('ready');
    const learner = await manager.create(null); // and the pool starts filling behind it
    await settle();
    expect(runtime.pending('ready')).toBe(3);
    let drained = false;
    const draining = manager.drainPool().then(() => (drained = true));
    await settle();
    // It waits for the booting ones: the server exits when it resolves, and would leak them.
    expect(drained).toBe(false);
    runtime.release('ready');
    await draining;
    expect([...runtime.sandboxes.keys()]).toEqual([learner.record.id]);
  });
});

describe('the clock', () => {
  it('reaps a session idle past its timeout with its machine, and keeps a busy one', async () => {
    const { runtime, manager, clock } = setUp({ idleMs: 30 * MINUTE });
    const idle = await manager.create(null);
    const busy = await manager.create(null);
    clock.now += 20 * MINUTE;
    manager.authorize(busy.record.id, busy.token);
    clock.now += 15 * MINUTE;
    expect(await manager.reap()).toEqual([idle.record.id]);
    expect(runtime.sandboxes.has(idle.record.id)).toBe(false);
    expect(manager.state(busy.record.id)).toBe('ready');
    expect(() => manager.authorize(idle.record.id, idle.token)).toThrow(
      expect.objectContaining({ status: 404, code: 'session_idle', message: stoppedAfter30 }),
    );
  });

  it('a session that could not be removed stays stopping, refuses its token, and the reaper finishes it', async () => {
    const { runtime, manager } = setUp();
    const s = await manager.create(null);
    const remove = runtime.remove.bind(runtime);
    runtime.remove = async () => {
      throw new Error('engine busy');
    };
    await expect(manager.destroy(s.record.id)).rejects.toThrow('engine busy');
    expect(manager.state(s.record.id)).toBe('stopping');
    expect(() => manager.authorize(s.record.id, s.token)).toThrow(/no session/);
    runtime.remove = remove;
    expect(await manager.reap()).toEqual([s.record.id]);
    expect(manager.state(s.record.id)).toBe('gone');
  });
});

const stoppedAfter30 =
  'Your machine was stopped after 30 minutes without use. Its files are gone; your progress and your hub images are kept. A fresh machine is starting.';
const stoppedAfter10Busy =
  'Your machine was stopped after 10 minutes without use (others were waiting for one). Its files are gone; your progress and your hub images are kept. A fresh machine is starting.';

describe('the clock while people wait for a machine', () => {
  /** A manager with the busy rule, and a line whose length the spec sets. */
  function withLine() {
    const set = setUp({ idleMs: 30 * MINUTE, idleBusyMs: 10 * MINUTE });
    const line = { length: 0 };
    set.manager.setPressure(() => line.length > 0);
    return { ...set, line };
  }

  it('reaps a session idle past the busy timeout, keeps a recent one, and tells the learner why', async () => {
    const { runtime, manager, clock, line } = withLine();
    const idle = await manager.create(null);
    const recent = await manager.create(null);
    clock.now += 8 * MINUTE;
    manager.authorize(recent.record.id, recent.token);
    clock.now += 4 * MINUTE; // idle 12 minutes, recent 4
    line.length = 3;
    expect(await manager.reap()).toEqual([idle.record.id]);
    expect(runtime.sandboxes.has(idle.record.id)).toBe(false);
    expect(manager.state(recent.record.id)).toBe('ready');
    // The learner comes back, even after the line has emptied.
    line.length = 0;
    const told = expect.objectContaining({ status: 404, code: 'session_idle', message: stoppedAfter10Busy });
    expect(() => manager.authorize(idle.record.id, idle.token)).toThrow(told);
    expect(() => manager.requireLive(idle.record.id)).toThrow(told);
  });

  it('does not apply the busy timeout when nobody waits', async () => {
    const { manager, clock } = withLine();
    const s = await manager.create(null);
    clock.now += 20 * MINUTE;
    expect(await manager.reap()).toEqual([]);
    expect(manager.authorize(s.record.id, s.token).id).toBe(s.record.id);
  });

  it('names only the usual rule when the session was idle past it too', async () => {
    const { manager, clock, line } = withLine();
    const s = await manager.create(null);
    clock.now += 31 * MINUTE;
    line.length = 1;
    // Before the reaper's next beat, too.
    expect(() => manager.authorize(s.record.id, s.token)).toThrow(
      expect.objectContaining({ code: 'session_idle', message: stoppedAfter30 }),
    );
    await manager.reap();
    expect(() => manager.authorize(s.record.id, s.token)).toThrow(
      expect.objectContaining({ code: 'session_idle', message: stoppedAfter30 }),
    );
  });

  it('tells the learner nothing about idleness for a session that reached its lifetime or was deleted', async () => {
    const { manager, clock } = withLine();
    const deleted = await manager.create(null);
    await manager.destroy(deleted.record.id);
    const old = await manager.create(null);
    // Used every 20 minutes until its 240-minute lifetime ends.
    for (let minutes = 20; minutes < 240; minutes += 20) {
      clock.now += 20 * MINUTE;
      manager.authorize(old.record.id, old.token);
    }
    clock.now += 20 * MINUTE;
    expect(await manager.reap()).toEqual([old.record.id]);
    const plain = expect.objectContaining({ status: 404, code: 'not_found' });
    expect(() => manager.authorize(deleted.record.id, deleted.token)).toThrow(plain);
    expect(() => manager.authorize(old.record.id, old.token)).toThrow(plain);
  });

  it('forgets why after a day', async () => {
    const { manager, clock } = withLine();
    const s = await manager.create(null);
    clock.now += 31 * MINUTE;
    await manager.reap();
    clock.now += 24 * 60 * MINUTE;
    expect(() => manager.requireLive(s.record.id)).toThrow(expect.objectContaining({ code: 'not_found' }));
  });
});

describe('a restart of the server', () => {
  it('adopts the machines of live sessions, starts a stopped one, and drops the rest', async () => {
    const first = setUp();
    const kept = await first.manager.create(null);
    const powered = await first.manager.create(null);
    const ended = await first.manager.create(null);
    first.runtime.sandboxes.get(powered.record.id)!.running = false;
    first.runtime.sandboxes.delete(ended.record.id); // its machine vanished while the server was down
    first.runtime.sandboxes.set('stray', { running: true });

    const again = new SessionManager(
      new SessionStore(first.db),
      first.runtime,
      { ttlMs: 240 * MINUTE, idleMs: 30 * MINUTE, maxSessions: 20, limits, readyTimeoutMs: 1000 },
      () => first.clock.now,
    );
    expect(await again.recover()).toEqual({ adopted: 2, removed: 1 });
    await again.whenReady(kept.record.id);
    await again.whenReady(powered.record.id);
    expect(again.state(kept.record.id)).toBe('ready');
    expect(first.runtime.sandboxes.get(powered.record.id)?.running).toBe(true);
    expect(again.state(ended.record.id)).toBe('gone');
    expect(first.runtime.sandboxes.has('stray')).toBe(false);
    // Tokens still open their sessions after the restart.
    expect(again.authorize(kept.record.id, kept.token).id).toBe(kept.record.id);
  });
});

describe('a lesson with several machines', () => {
  const twoMachines = (lesson: string | null) => (lesson === 'two-machines' ? 2 : 1);

  it('makes all its machines for one session, never from the warm pool, and runs commands on the one named', async () => {
    const { runtime, manager } = setUp({ poolSize: 1 });
    manager.setMachinesFor(twoMachines);
    manager.fillPool();
    await settle();
    const { record } = await manager.create('two-machines');
    expect(record.machines).toBe(2);
    expect(runtime.machines.get(record.id)).toBe(2);
    // The warm machine (a single one) is still waiting for a lesson with one.
    expect(manager.poolStatus().ready + manager.poolStatus().starting).toBe(1);
    await manager.whenReady(record.id);
    await manager.sandbox(record.id).machine!('node2').exec('hostname');
    await manager.sandbox(record.id).exec('hostname');
    expect(runtime.ran.filter((r) => r.sessionId === record.id).map((r) => r.machine ?? 'node1')).toEqual([
      'node2',
      'node1',
    ]);
  });

  it('refuses a machine the session does not have, naming those it has', async () => {
    const { manager } = setUp();
    manager.setMachinesFor(twoMachines);
    const { record } = await manager.create('two-machines');
    expect(manager.requireMachine(record.id, null)).toBe('node1');
    expect(manager.requireMachine(record.id, 'node2')).toBe('node2');
    expect(() => manager.requireMachine(record.id, 'node3')).toThrow(
      'There is no machine "node3" in this session: it has node1 to node2.',
    );
    expect(() => manager.requireMachine(record.id, '../x')).toThrow(/no machine/);
    const single = await manager.create('other');
    expect(() => manager.requireMachine(single.record.id, 'node2')).toThrow(/it has node1 only/);
  });

  it('counts every machine against maxSessions', async () => {
    const { manager } = setUp({ maxSessions: 3 });
    manager.setMachinesFor(twoMachines);
    await manager.create('two-machines');
    expect(manager.machinesInUse()).toBe(2);
    // Two more would make four: refused, saying why.
    await expect(manager.create('two-machines')).rejects.toThrow(/needs 2 machines/);
    // One more fits.
    await manager.create('other');
    expect(manager.machinesInUse()).toBe(3);
    await expect(manager.create('other')).rejects.toThrow(/in use/);
  });
});

describe('ending a session twice at once', () => {
  it("removes its machines once: the reaper's beat waits for a DELETE's removal in flight", async () => {
    const { runtime, manager } = setUp();
    const { record } = await manager.create('lesson-1');
    await manager.whenReady(record.id);
    runtime.hold('remove');
    const deleted = manager.destroy(record.id);
    await settle();
    // The session is `stopping` now: the reaper's beat finds it so.
    const reaped = manager.reap();
    await settle();
    expect(runtime.calls.remove).toBe(1);
    runtime.release('remove');
    await Promise.all([deleted, reaped]);
    expect(runtime.calls.remove).toBe(1);
    expect(manager.state(record.id)).toBe('gone');
  });
});
