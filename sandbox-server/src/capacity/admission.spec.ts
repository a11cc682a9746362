import { describe, expect, it } from 'vitest';
import { openDatabase } from '../database.ts';
import { ApiError } from '../http/api-error.ts';
import { FakeRuntime } from '../sessions/fake-runtime.ts';
import { SessionManager } from '../sessions/session-manager.ts';
import { SessionStore } from '../sessions/session-store.ts';
import { Admission, type Admitted } from './admission.ts';
import { RateLimiter } from './rate-limiter.ts';
import { WaitingLine } from './waiting-line.ts';

const MINUTE = 60_000;
const limits = { memoryBytes: 1, nanoCpus: 1, pidsLimit: 1, diskBytes: 1 };

/** Real sessions on a fake runtime, a line, and a clock the spec moves. */
function setUp(
  options: {
    slots?: number;
    perAddress?: number;
    perLearner?: number;
    classLearners?: string[];
    reserved?: () => number;
  } = {},
) {
  const clock = { now: 1_000_000 };
  const now = () => clock.now;
  const runtime = new FakeRuntime();
  const sessions = new SessionManager(
    new SessionStore(openDatabase(':memory:')),
    runtime,
    {
      ttlMs: 240 * MINUTE,
      idleMs: 30 * MINUTE,
      maxSessions: options.slots ?? 2,
      limits,
      readyTimeoutMs: 1000,
    },
    now,
  );
  const line = new WaitingLine({ graceMs: 30_000, maxLength: 100 }, now);
  const admission = new Admission(
    sessions,
    line,
    {
      create: new RateLimiter({ burst: 6, perMinute: 6 }, now),
      poll: new RateLimiter({ burst: 30, perMinute: 120 }, now),
    },
    {
      perLearner: options.perLearner ?? 1,
      perAddress: options.perAddress ?? 100,
      defaultFreeIntervalMs: 60_000,
      ...(options.reserved ? { reserved: { slots: options.reserved, maxSessions: options.slots ?? 2 } } : {}),
    },
    (learner) => (options.classLearners ?? []).includes(learner ?? ''),
    now,
  );
  let n = 0;
  /** A new learner from their own address. */
  const arrive = (learner?: string) => {
    n++;
    return admission.request({ lesson: null, learner: learner ?? `learner-${n}`, address: `10.0.0.${n}` });
  };
  return { clock, sessions, line, admission, arrive };
}

const idOf = (a: Admitted) => (a.status === 202 ? undefined : a.record.id);
const ticketOf = (a: Admitted) => (a.status === 202 ? a.ticket : '');

describe('a lesson with several machines', () => {
  it("gets a session of its own beside the learner's single machine, and each is given back on its own lessons", async () => {
    const { sessions, admission } = setUp({ slots: 6, perLearner: 1 });
    sessions.setMachinesFor((lesson) => (lesson === 'two-machines' ? 2 : 1));
    const ask = (lesson: string | null) => admission.request({ lesson, learner: 'ada', address: '10.0.0.1' });
    const single = await ask('volumes');
    expect(single).toMatchObject({ status: 201, record: { machines: 1 } });
    // The two-machine lesson: not the single machine back, a session with both machines.
    const pair = await ask('two-machines');
    expect(pair).toMatchObject({ status: 201, record: { machines: 2 } });
    // Back on another lesson: the single machine; on the two-machine lesson: the pair.
    expect(idOf(await ask('first-container'))).toBe(idOf(single));
    expect(idOf(await ask('two-machines'))).toBe(idOf(pair));
  });

  it('counts every machine against the per-address limit', async () => {
    const { sessions, admission } = setUp({ slots: 10, perAddress: 3 });
    sessions.setMachinesFor((lesson) => (lesson === 'two-machines' ? 2 : 1));
    const from = (learner: string, lesson: string) =>
      admission.request({ lesson, learner, address: '10.0.0.9' });
    await from('a', 'two-machines');
    await from('b', 'volumes');
    // Three machines from this address already.
    await expect(from('c', 'volumes')).rejects.toThrow(/already has 3 machines/);
  });
});

describe('getting a machine', () => {
  it('gives one at once while there is room, and a place in line (202) once every slot is taken', async () => {
    const { arrive } = setUp({ slots: 2 });
    expect((await arrive()).status).toBe(201);
    expect((await arrive()).status).toBe(201);
    const third = await arrive();
    expect(third).toMatchObject({ status: 202, position: 1, estimatedWaitSeconds: 60 });
    expect((await arrive()).status === 202 && (await arrive()).status).toBe(202);
  });

  it('serves the line in arrival order as machines free up, before anyone who comes later', async () => {
    const { arrive, admission, sessions } = setUp({ slots: 2 });
    const holders = [await arrive('holder-1'), await arrive('holder-2')];
    const waiting: { learner: string; admitted: Admitted }[] = [];
    for (let i = 1; i <= 5; i++)
      waiting.push({ learner: `waiter-${i}`, admitted: await arrive(`waiter-${i}`) });
    expect(waiting.map((w) => (w.admitted.status === 202 ? w.admitted.position : 0))).toEqual([
      1, 2, 3, 4, 5,
    ]);

    const served: string[] = [];
    const poll = async () => {
      for (const w of waiting.filter((w) => !served.includes(w.learner))) {
        const answer = await admission.poll(ticketOf(w.admitted), w.learner);
        if (answer.status === 201) served.push(w.learner);
      }
    };
    // Machines free up one at a time; someone arriving meanwhile does not jump the line.
    const ending = [...holders.map(idOf)];
    for (let round = 0; round < 5; round++) {
      await sessions.destroy(ending.shift()!);
      await admission.serve();
      const latecomer = await arrive();
      expect(latecomer.status).toBe(202);
      await poll();
      ending.push(sessions.liveOf(served.at(-1)!)[0]!.id);
    }
    expect(served).toEqual(['waiter-1', 'waiter-2', 'waiter-3', 'waiter-4', 'waiter-5']);
  });

  it('drops a waiting learner who stopped calling, and the next one moves up', async () => {
    const { arrive, admission, clock } = setUp({ slots: 1 });
    await arrive();
    const leaver = await arrive('leaver');
    const stayer = await arrive('stayer');
    clock.now += 20_000;
    expect(await admission.poll(ticketOf(stayer), 'stayer')).toMatchObject({ position: 2 });
    clock.now += 15_000; // the leaver has been silent 35 s, past the 30 s grace
    await admission.serve();
    expect(await admission.poll(ticketOf(stayer), 'stayer')).toMatchObject({ status: 202, position: 1 });
    await expect(admission.poll(ticketOf(leaver), 'leaver')).rejects.toMatchObject({ status: 404 });
  });

  it('does not give a lapsed place back to a page that calls again before the line was served', async () => {
    const { arrive, admission, clock } = setUp({ slots: 1 });
    await arrive();
    const leaver = await arrive('leaver');
    clock.now += 31_000; // silent past the 30 s grace, and nothing served the line meanwhile
    await expect(admission.poll(ticketOf(leaver), 'leaver')).rejects.toMatchObject({ status: 404 });
    await expect(admission.poll(ticketOf(leaver), 'leaver')).rejects.toMatchObject({ status: 404 });
  });

  it('removes a machine made for someone who left before picking it up', async () => {
    const { arrive, admission, sessions, clock } = setUp({ slots: 1 });
    const first = await arrive('first');
    const waiter = await arrive('waiter');
    await sessions.destroy(idOf(first)!);
    await admission.serve();
    expect(sessions.liveOf('waiter')).toHaveLength(1);
    clock.now += 31_000;
    await admission.serve();
    expect(sessions.liveOf('waiter')).toHaveLength(0);
    await expect(admission.poll(ticketOf(waiter), 'waiter')).rejects.toMatchObject({ status: 404 });
  });

  it('lets a class learner go ahead of the public line', async () => {
    const { arrive, admission, sessions } = setUp({ slots: 1, classLearners: ['student'] });
    const first = await arrive();
    const publicWaiter = await arrive('public');
    const student = await arrive('student');
    expect(student).toMatchObject({ status: 202, position: 1 });
    expect(await admission.poll(ticketOf(publicWaiter), 'public')).toMatchObject({ position: 2 });
    await sessions.destroy(idOf(first)!);
    await admission.serve(); // the freed machine is made for the first in line
    expect((await admission.poll(ticketOf(student), 'student')).status).toBe(201);
  });

  it("keeps a running class's reserved slots for its learners: the public waits, the class does not", async () => {
    const classLearners = ['student-1', 'student-2'];
    const reserved = { seats: 2 };
    const { arrive } = setUp({ slots: 3, classLearners, reserved: () => reserved.seats });
    expect((await arrive('public-1')).status).toBe(201);
    // Two slots are free, but both are kept for the class.
    expect(await arrive('public-2')).toMatchObject({ status: 202, position: 1 });
    expect((await arrive('student-1')).status).toBe(201);
    reserved.seats = 1; // one of the class's learners has their machine now
    expect((await arrive('student-2')).status).toBe(201);
  });

  it('gives a learner their live machine again, on any lesson, and their place in line again', async () => {
    const { admission, arrive } = setUp({ slots: 1 });
    const first = await admission.request({ lesson: 'a', learner: 'me', address: '10.1.1.1' });
    const again = await admission.request({ lesson: 'b', learner: 'me', address: '10.1.1.1' });
    expect(again.status).toBe(200);
    expect(idOf(again)).toBe(idOf(first));
    const waiting = await arrive('waiter');
    const twice = await arrive('waiter');
    expect(ticketOf(twice)).toBe(ticketOf(waiting));
  });
});

describe('limits per visitor', () => {
  it('refuses more than the per-address number of machines and places, with 429 and Retry-After', async () => {
    const { admission } = setUp({ slots: 20, perAddress: 4 });
    const answers: (Admitted | ApiError)[] = [];
    for (let i = 0; i < 10; i++)
      answers.push(
        await admission
          .request({ lesson: null, learner: `visitor-${i}`, address: '203.0.113.9' })
          .catch((err: ApiError) => err),
      );
    expect(answers.filter((a) => !(a instanceof ApiError))).toHaveLength(4);
    const refused = answers.filter((a): a is ApiError => a instanceof ApiError);
    expect(refused.every((e) => e.status === 429)).toBe(true);
    expect(refused[0]!.message).toMatch(/already has 4 machines/);
    // Another address still gets a machine.
    expect((await admission.request({ lesson: null, learner: 'x', address: '198.51.100.1' })).status).toBe(
      201,
    );
  });

  it('rate-limits asking for machines per address, and the bucket refills with time', async () => {
    const { admission, clock } = setUp({ slots: 50, perAddress: 100 });
    const ask = (i: number) =>
      admission
        .request({ lesson: null, learner: `v-${i}`, address: '203.0.113.7' })
        .catch((e: ApiError) => e);
    const answers = [];
    for (let i = 0; i < 10; i++) answers.push(await ask(i));
    expect(answers.filter((a) => !(a instanceof ApiError))).toHaveLength(6);
    const limited = answers.at(-1) as ApiError & { retryAfterSeconds: number };
    expect(limited.status).toBe(429);
    expect(limited.retryAfterSeconds).toBe(10);
    clock.now += 10_000;
    expect(await ask(99)).toMatchObject({ status: 201 });
  });

  it("refuses a ticket that is forged, someone else's, or already used", async () => {
    const { arrive, admission, sessions } = setUp({ slots: 1 });
    const first = await arrive();
    const waiter = await arrive('waiter');
    await expect(admission.poll('forged-ticket', 'waiter')).rejects.toMatchObject({ status: 404 });
    await expect(admission.poll(ticketOf(waiter), 'thief')).rejects.toMatchObject({ status: 403 });
    // A client that keeps no cookie holds its place by the ticket alone.
    expect((await admission.poll(ticketOf(waiter), null)).status).toBe(202);
    await sessions.destroy(idOf(first)!);
    await admission.serve();
    expect((await admission.poll(ticketOf(waiter), 'waiter')).status).toBe(201);
    await expect(admission.poll(ticketOf(waiter), 'waiter')).rejects.toMatchObject({ status: 404 });
  });

  it('refuses a heartbeat flood with 429 and keeps the place', async () => {
    const { arrive, admission } = setUp({ slots: 1 });
    await arrive();
    const waiter = await arrive('waiter');
    const answers = [];
    for (let i = 0; i < 40; i++)
      answers.push(await admission.poll(ticketOf(waiter), 'waiter').catch((e: ApiError) => e));
    expect(answers.filter((a) => a instanceof ApiError && a.status === 429).length).toBeGreaterThan(0);
    expect(admission.waiting).toBe(1);
  });
});
