import { describe, expect, it } from 'vitest';
import { openDatabase } from '../database.ts';
import { ClassClosing, classEndedNotice } from './class-closing.ts';
import { Classes } from './classes.ts';
import { classInput, learnerOf, sessionsOnFakeRuntime } from './classroom-fixtures.ts';

const NOW = Date.parse('2026-05-04T08:00:00Z');
const MINUTE = 60_000;
const LEARNER = learnerOf;

const input = classInput;

/** Classes and real sessions on a fake runtime, one database and a clock the spec moves. */
function setUp() {
  const clock = { now: NOW };
  const db = openDatabase(':memory:');
  const classes = new Classes(db, () => clock.now);
  const { sessions, runtime } = sessionsOnFakeRuntime(db, () => clock.now, { idleMs: 600 * MINUTE });
  const closed: string[] = [];
  const closing = new ClassClosing({ classes, sessions, onClosed: (id) => closed.push(id) });
  /** A machine for the learner on the lesson; answers its session id. */
  const machine = async (learner: string | null, lesson: string | null = null) =>
    (await sessions.create(lesson, learner)).record.id;
  return { clock, runtime, classes, sessions, closing, closed, machine };
}

describe('closing a class that is over', () => {
  it("ends its learners' machines, and nobody else's", async () => {
    const { classes, sessions, runtime, closing, closed, machine } = setUp();
    const morning = classes.create('i', input());
    const other = classes.create('j', input());
    classes.join(morning.code, LEARNER(1), 'Ada');
    classes.join(morning.code, LEARNER(2), 'Grace');
    classes.join(other.code, LEARNER(3), 'Linus');
    const ada = [await machine(LEARNER(1), 'volumes'), await machine(LEARNER(1), 'networks')];
    const grace = await machine(LEARNER(2));
    const linus = await machine(LEARNER(3)); // another class's learner
    const publicLearner = await machine(LEARNER(4)); // in no class
    const anonymous = await machine(null); // no cookie at all

    classes.end(morning.id, 'i');
    const { sessions: ended, removed } = closing.close(morning.id);
    expect(ended.sort()).toEqual([...ada, grace].sort());
    // Stopping at once: their tokens open nothing any more, even before the machines are gone.
    for (const id of ended) expect(sessions.state(id)).toBe('stopping');
    await removed;
    for (const id of ended) {
      expect(sessions.state(id)).toBe('gone');
      expect(runtime.sandboxes.has(id)).toBe(false);
    }
    for (const id of [linus, publicLearner, anonymous]) expect(sessions.state(id)).toBe('ready');
    expect(closed).toEqual([morning.id]);
    // A learner who comes back to the machine is told why it is gone, not just "no session".
    expect(() => sessions.requireLive(grace)).toThrow(
      expect.objectContaining({ status: 404, code: 'class_ended', message: classEndedNotice('Docker 101') }),
    );
    // The class keeps its learners, so the roster and the results stay readable.
    expect(classes.members(morning.id).map((m) => m.name)).toEqual(['Ada', 'Grace']);
  });

  it('does nothing to a class that still runs, and closes each class once', async () => {
    const { classes, sessions, closing, closed, machine } = setUp();
    const morning = classes.create('i', input());
    classes.join(morning.code, LEARNER(1), 'Ada');
    const first = await machine(LEARNER(1));
    expect(closing.close(morning.id).sessions).toEqual([]);
    expect(sessions.state(first)).toBe('ready');

    classes.end(morning.id, 'i');
    await closing.close().removed;
    // The learner goes on, as one of the public, after the class: that machine is theirs.
    const later = await machine(LEARNER(1));
    expect(closing.close().sessions).toEqual([]);
    classes.end(morning.id, 'i'); // ending again changes nothing
    expect(closing.close(morning.id).sessions).toEqual([]);
    expect(sessions.state(later)).toBe('ready');
    expect(closed).toEqual([morning.id]);
  });

  it('closes a class once its end time has passed', async () => {
    const { clock, classes, sessions, closing, closed, machine } = setUp();
    const timed = classes.create('i', input({ endsAt: NOW + 60 * MINUTE }));
    classes.join(timed.code, LEARNER(1), 'Ada');
    const ada = await machine(LEARNER(1));
    expect(closing.close().sessions).toEqual([]);
    clock.now += 60 * MINUTE;
    expect(closing.close().sessions).toEqual([ada]);
    expect(sessions.state(ada)).toBe('stopping');
    expect(closed).toEqual([timed.id]);
  });

  it('keeps the machine of a learner who is in another running class too', async () => {
    const { classes, sessions, closing, machine } = setUp();
    const morning = classes.create('i', input());
    const afternoon = classes.create('i', input());
    classes.join(morning.code, LEARNER(1), 'Ada');
    classes.join(afternoon.code, LEARNER(1), 'Ada');
    const ada = await machine(LEARNER(1));
    classes.end(morning.id, 'i');
    expect(closing.close().sessions).toEqual([]);
    expect(sessions.state(ada)).toBe('ready');
  });
});
