import { describe, expect, it } from 'vitest';
import { Admission } from '../capacity/admission.ts';
import { RateLimiter } from '../capacity/rate-limiter.ts';
import { WaitingLine } from '../capacity/waiting-line.ts';
import { openDatabase } from '../database.ts';
import { classCapacity } from './class-capacity.ts';
import { Classes } from './classes.ts';
import { classInput, learnerOf, sessionsOnFakeRuntime } from './classroom-fixtures.ts';

const NOW = Date.parse('2026-05-04T08:55:00Z');
const MINUTE = 60_000;
const LEARNER = learnerOf;

const input = classInput;

/** Lets every promise callback queued so far run. */
const settle = () => new Promise((r) => setTimeout(r, 0));

/** The server's wiring of classes, sessions and admission, on a fake runtime and one database. */
function setUp(maxSessions: number) {
  const clock = { now: NOW };
  const now = () => clock.now;
  const db = openDatabase(':memory:');
  const classes = new Classes(db, now);
  const { sessions, runtime } = sessionsOnFakeRuntime(db, now, { maxSessions });
  const forClasses = classCapacity(classes, sessions);
  const admission = new Admission(
    sessions,
    new WaitingLine({ graceMs: 30_000, maxLength: 100 }, now),
    {
      create: new RateLimiter({ burst: 6, perMinute: 6 }, now),
      poll: new RateLimiter({ burst: 30, perMinute: 120 }, now),
    },
    {
      perLearner: 1,
      perAddress: 100,
      defaultFreeIntervalMs: 60_000,
      reserved: { slots: forClasses.reservedSlots, maxSessions },
    },
    forClasses.isClassLearner,
    now,
  );
  let n = 0;
  const arrive = (learner: string) => admission.request({ lesson: null, learner, address: `10.0.0.${++n}` });
  return { clock, runtime, classes, sessions, arrive };
}

describe("a class's pre-warm", () => {
  it('has machines ready for its learners before the start, without letting the public past its share', async () => {
    const { runtime, classes, sessions, arrive } = setUp(4);
    // Starts in 5 minutes: within the 10-minute lead.
    const workshop = classes.create('i', input({ capacity: 3, prewarm: 2, startsAt: NOW + 5 * MINUTE }));
    sessions.fillPool();
    await settle();
    expect(sessions.poolStatus()).toEqual({ ready: 2, starting: 0, size: 2 });

    // The public may use what the pre-warm leaves: two of four machines, not a third.
    expect((await arrive(LEARNER(101))).status).toBe(201);
    expect((await arrive(LEARNER(102))).status).toBe(201);
    await settle();
    expect((await arrive(LEARNER(103))).status).toBe(202);
    expect(runtime.sandboxes.size).toBe(4);
    expect(sessions.poolStatus().ready).toBe(2);

    // Booting is slow now: the class's learners get a machine without waiting for one.
    runtime.hold('create');
    runtime.hold('ready');
    for (const learner of [LEARNER(1), LEARNER(2)]) {
      classes.join(workshop.code, learner, 'Ada');
      const got = await arrive(learner);
      expect(got.status).toBe(201);
      if (got.status === 201) expect(sessions.state(got.record.id)).toBe('ready');
    }
    // Both took theirs: the class wants no more warm ones, and nothing boots past the host.
    expect(sessions.poolStatus()).toEqual({ ready: 0, starting: 0, size: 0 });
    expect(runtime.sandboxes.size).toBe(4);
  });

  it('is not booted earlier than 10 minutes before the start, and goes once the class ends', async () => {
    const { clock, runtime, classes, sessions } = setUp(10);
    const workshop = classes.create('i', input({ capacity: 5, prewarm: 3, startsAt: NOW + 20 * MINUTE }));
    sessions.fillPool();
    await settle();
    expect(runtime.sandboxes.size).toBe(0);
    clock.now += 10 * MINUTE; // the reaper's beat fills the pool again
    sessions.fillPool();
    await settle();
    expect(sessions.poolStatus()).toEqual({ ready: 3, starting: 0, size: 3 });
    classes.end(workshop.id, 'i');
    sessions.fillPool();
    await settle();
    expect(sessions.poolStatus()).toEqual({ ready: 0, starting: 0, size: 0 });
    expect(runtime.sandboxes.size).toBe(0);
  });
});
