import { afterEach, describe, expect, it, vi } from 'vitest';
import { openDatabase, type Db } from '../database.ts';
import { FakeRuntime } from '../sessions/fake-runtime.ts';
import { SessionManager } from '../sessions/session-manager.ts';
import { SessionStore } from '../sessions/session-store.ts';
import { filesMachine, lessonInput } from './authoring-fixtures.ts';
import { ClassLessonProofs, RESTARTED, type ProofLimits } from './class-lesson-proofs.ts';
import { ClassLessons } from './class-lessons.ts';

const CLASS = 'c1';

/** Proofs on a fake runtime whose machines keep files, with real sessions (and so the warm pool). */
function setUp(options: { maxSessions?: number; limits?: Partial<ProofLimits>; db?: Db } = {}) {
  const db = options.db ?? openDatabase(':memory:');
  const runtime = new FakeRuntime();
  const machine = filesMachine();
  runtime.answer = machine.answer;
  const sessions = new SessionManager(new SessionStore(db), runtime, {
    ttlMs: 3600_000,
    idleMs: 600_000,
    maxSessions: options.maxSessions ?? 4,
    limits: { memoryBytes: 1, nanoCpus: 1, pidsLimit: 1, diskBytes: 1 },
    readyTimeoutMs: 1000,
  });
  const lessons = new ClassLessons(db);
  const proofs = new ClassLessonProofs(db, {
    machine: () => sessions.proofMachine(),
    varsFor: () => ({ 'hub.username': 'prover' }),
    limits: options.limits,
  });
  /** Saves a version and proves it to the end; answers the proof as stored. */
  const prove = async (lessonOptions: Parameters<typeof lessonInput>[1] = {}, slug = 'make-a-file') => {
    const { version } = lessons.save(CLASS, lessonInput(slug, lessonOptions));
    const id = proofs.start(lessons.version(CLASS, slug, version)!);
    await proofs.settled(id);
    return proofs.get(CLASS, slug, id)!;
  };
  return { db, runtime, sessions, lessons, proofs, prove, machine };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('proving a class lesson', () => {
  it('takes a fresh machine, runs setup, checks (failing), solve, checks (passing), and removes the machine', async () => {
    const { runtime, prove, sessions } = setUp();
    const proof = await prove({ setup: 'touch /tmp/setup-ran' });
    expect(proof).toMatchObject({ state: 'passed', version: 1, finishedAt: expect.any(Number) });
    expect(proof.message).toBeUndefined();
    expect(proof.steps.map((s) => [s.name, s.state])).toEqual([
      ['machine', 'passed'],
      ['lesson setup', 'passed'],
      ['checks before', 'passed'],
      ['solve make-file', 'passed'],
      ['checks after make-file', 'passed'],
      ['remove machine', 'passed'],
    ]);
    expect(proof.checks).toEqual([
      {
        exercise: 'make-file',
        id: 'file-made',
        failedBefore: true,
        passedAfter: true,
        message: '/tmp/done is there',
      },
    ]);
    // In this order, in one machine of its own, which is gone.
    const machines = new Set(runtime.ran.map((r) => r.sessionId));
    expect(machines.size).toBe(1);
    expect(runtime.ran.map((r) => r.script)).toEqual([
      'touch /tmp/setup-ran',
      'test -f /tmp/done',
      'touch /tmp/done',
      'test -f /tmp/done',
    ]);
    expect(runtime.sandboxes.size).toBe(0);
    expect(sessions.machinesInUse()).toBe(0);
  });

  it('fails a check that passes on a fresh machine, naming it (failedBefore false), and removes the machine', async () => {
    const { runtime, prove } = setUp();
    const proof = await prove({ setup: 'touch /tmp/done' });
    expect(proof.state).toBe('failed');
    expect(proof.checks).toEqual([
      {
        exercise: 'make-file',
        id: 'file-made',
        failedBefore: false,
        passedAfter: true,
        message: expect.stringMatching(/^It passes on a fresh machine, before the solve/),
      },
    ]);
    expect(proof.message).toMatch(
      /already passes on a fresh machine, before the solve .*: make-file\/file-made\.$/,
    );
    expect(proof.steps.at(-1)).toMatchObject({ name: 'remove machine', state: 'passed' });
    expect(runtime.sandboxes.size).toBe(0);
  });

  it('fails a solve that does not make its check pass (passedAfter false), and removes the machine', async () => {
    const { runtime, prove } = setUp();
    const proof = await prove({ solve: 'touch /tmp/elsewhere' });
    expect(proof.state).toBe('failed');
    expect(proof.checks[0]).toMatchObject({
      failedBefore: true,
      passedAfter: false,
      message: 'There is no /tmp/done. The command exited with 1; expected 0.',
    });
    expect(proof.steps.find((s) => s.name === 'checks after make-file')?.state).toBe('failed');
    expect(runtime.sandboxes.size).toBe(0);
  });

  it('stops a solve that never ends at its timeout, says which step and why, and removes the machine', async () => {
    const { runtime, prove } = setUp({ limits: { solveTimeoutMs: 100 } });
    const proof = await prove({ solve: 'sleep infinity' });
    expect(proof.state).toBe('failed');
    expect(proof.steps.map((s) => [s.name, s.state])).toEqual([
      ['machine', 'passed'],
      ['checks before', 'passed'],
      ['solve make-file', 'failed'],
      ['remove machine', 'passed'],
    ]);
    expect(proof.message).toMatch(
      /^The solve script of exercise "make-file" did not finish within 0\.1 s, so the proof stopped it there\./,
    );
    expect(proof.checks[0]).toMatchObject({ failedBefore: true, passedAfter: null });
    expect(runtime.sandboxes.size).toBe(0);
  });

  it('substitutes the proof account for {{hub.username}}', async () => {
    const { prove, runtime } = setUp();
    expect((await prove({ file: '{{hub.username}}' })).state).toBe('passed');
    expect(runtime.ran.map((r) => r.script)).toContain('touch /tmp/prover');
  });

  it('writes each step as it goes: a running proof shows where it is', async () => {
    const { runtime, lessons, proofs } = setUp({ limits: { solveTimeoutMs: 60_000 } });
    const held: (() => void)[] = [];
    const answer = runtime.answer!;
    // The solve waits until the spec lets it go on (and then makes its file).
    runtime.answer = (script, options, id) =>
      script === 'touch /tmp/done'
        ? new Promise((resolve) => held.push(() => resolve(answer(script, options, id))))
        : answer(script, options, id);
    lessons.save(CLASS, lessonInput());
    const id = proofs.start(lessons.latest(CLASS, 'make-a-file')!);
    await vi.waitUntil(() => held.length > 0);
    const running = proofs.get(CLASS, 'make-a-file', id)!;
    expect(running.state).toBe('running');
    expect(running.steps.map((s) => [s.name, s.state])).toEqual([
      ['machine', 'passed'],
      ['checks before', 'passed'],
      ['solve make-file', 'running'],
    ]);
    expect(running.finishedAt).toBeNull();
    held[0]!();
    await proofs.settled(id);
    expect(proofs.get(CLASS, 'make-a-file', id)?.state).toBe('passed');
  });

  it('gives its verdict while the machine is still being removed, takes a new proof of the lesson then, and says the machine is gone', async () => {
    const { runtime, lessons, proofs } = setUp();
    let letGo = () => {};
    const removed = new Promise<void>((resolve) => (letGo = resolve));
    const remove = runtime.remove.bind(runtime);
    vi.spyOn(runtime, 'remove').mockImplementation(async (id) => {
      await removed;
      return remove(id);
    });
    lessons.save(CLASS, lessonInput());
    const id = proofs.start(lessons.latest(CLASS, 'make-a-file')!);
    await vi.waitUntil(() => proofs.get(CLASS, 'make-a-file', id)?.state !== 'running');
    const verdict = proofs.get(CLASS, 'make-a-file', id)!;
    expect(verdict.state).toBe('passed');
    expect(verdict.steps.at(-1)).toMatchObject({ name: 'remove machine', state: 'running' });
    // The instructor who read the verdict may prove the lesson again at once.
    const again = proofs.start(lessons.latest(CLASS, 'make-a-file')!);
    letGo();
    await proofs.settled(id);
    await proofs.settled(again);
    expect(proofs.get(CLASS, 'make-a-file', id)!.steps.at(-1)).toMatchObject({
      name: 'remove machine',
      state: 'passed',
    });
    expect(runtime.sandboxes.size).toBe(0);
  });

  it('fails at the machine step when there is no room for one, saying so', async () => {
    const { sessions, prove, runtime } = setUp({ maxSessions: 1 });
    await sessions.create(null); // a learner holds the only slot
    const proof = await prove();
    expect(proof.state).toBe('failed');
    expect(proof.steps).toEqual([
      {
        name: 'machine',
        state: 'failed',
        ms: expect.any(Number),
        message: 'Every machine is in use right now: prove it again in a few minutes.',
      },
    ]);
    expect(proof.message).toBe('Every machine is in use right now: prove it again in a few minutes.');
    expect(proof.checks[0]).toMatchObject({ failedBefore: null, passedAfter: null });
    expect(runtime.sandboxes.size).toBe(1);
  });
});

describe('how many proofs run', () => {
  it('runs one at a time per class lesson (409), and at most N on the server (429)', async () => {
    const { runtime, lessons, proofs } = setUp({ limits: { concurrent: 2 } });
    runtime.hold('ready');
    lessons.save(CLASS, lessonInput('one'));
    lessons.save(CLASS, lessonInput('two'));
    lessons.save(CLASS, lessonInput('three'));
    const first = proofs.start(lessons.latest(CLASS, 'one')!);
    // A new version of the same lesson does not get a second proof while one runs.
    lessons.save(CLASS, lessonInput('one'));
    expect(() => proofs.start(lessons.latest(CLASS, 'one')!)).toThrow(
      expect.objectContaining({ status: 409, message: expect.stringContaining(`(proof ${first})`) }),
    );
    // Another class's lesson of the same slug is another lesson.
    lessons.save('c2', lessonInput('one'));
    proofs.start(lessons.latest('c2', 'one')!);
    expect(() => proofs.start(lessons.latest(CLASS, 'three')!)).toThrow(
      expect.objectContaining({ status: 429, retryAfterSeconds: 30 }),
    );
    runtime.release('ready');
    await proofs.settled(first);
    expect(proofs.get(CLASS, 'one', first)?.state).toBe('passed');
    // Once one ends, the next may start.
    const next = proofs.start(lessons.latest(CLASS, 'three')!);
    await proofs.settled(next);
    expect(runtime.sandboxes.size).toBe(0);
  });
});

describe('a restart of the server', () => {
  it('keeps finished proofs, and marks one it cut short as failed because the server restarted', async () => {
    const db = openDatabase(':memory:');
    const before = setUp({ db });
    const done = await before.prove();
    before.runtime.hold('ready');
    before.lessons.save(CLASS, lessonInput('other'));
    const cut = before.proofs.start(before.lessons.latest(CLASS, 'other')!);
    await vi.waitUntil(() => before.runtime.pending('ready') > 0);
    before.proofs.stop();

    const after = new ClassLessonProofs(db, { machine: () => Promise.reject(new Error('unused')) });
    expect(after.get(CLASS, 'make-a-file', done.id)).toEqual(done);
    const interrupted = after.get(CLASS, 'other', cut)!;
    expect(interrupted).toMatchObject({
      state: 'failed',
      message: RESTARTED,
      finishedAt: expect.any(Number),
    });
    expect(interrupted.steps).toEqual([{ name: 'machine', state: 'failed', ms: 0, message: RESTARTED }]);
    expect(after.hasPassed(CLASS, 'make-a-file', 1)).toBe(true);
    expect(after.hasPassed(CLASS, 'other', 1)).toBe(false);
    // What the stopped process does later is not written over it.
    before.runtime.release('ready');
    await before.proofs.settled(cut);
    expect(after.get(CLASS, 'other', cut)?.message).toBe(RESTARTED);
  });
});
