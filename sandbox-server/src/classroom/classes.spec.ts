import { describe, expect, it } from 'vitest';
import { openDatabase } from '../database.ts';
import { Classes, parseClassInput, PREWARM_LEAD_MS } from './classes.ts';
import { classInput, learnerOf, refusal, twoLessonCourse } from './classroom-fixtures.ts';

const NOW = Date.parse('2026-05-04T08:00:00Z');
const LEARNER = learnerOf;

function setUp() {
  const clock = { now: NOW };
  const db = openDatabase(':memory:');
  return { clock, db, classes: new Classes(db, () => clock.now) };
}

const input = classInput;

describe('a new class', () => {
  const parse = (body: Record<string, unknown>) => parseClassInput(body, twoLessonCourse, NOW);

  it('takes a name and a capacity, the whole course by default, and optional times and pre-warm', () => {
    expect(parse({ name: '  Docker 101 ', capacity: 30 })).toEqual(input());
    expect(
      parse({
        name: 'Morning',
        capacity: 500,
        lessons: ['volumes', 'first-container', 'volumes'],
        startsAt: '2026-05-04T09:00:00Z',
        endsAt: '2026-05-04T12:00:00+02:00',
        prewarm: 12,
        stuckMinutes: 5,
      }),
    ).toEqual({
      name: 'Morning',
      capacity: 500,
      lessons: ['first-container', 'volumes'],
      startsAt: Date.parse('2026-05-04T09:00:00Z'),
      endsAt: Date.parse('2026-05-04T10:00:00Z'),
      prewarm: 12,
      stuckMinutes: 5,
    });
  });

  it('answers 400 naming the field that is wrong', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ capacity: 30 }, 'name'],
      [{ name: 'x'.repeat(101), capacity: 30 }, 'name'],
      [{ name: 'bell\u0007', capacity: 30 }, 'name'],
      [{ name: 'A', capacity: 0 }, 'capacity'],
      [{ name: 'A', capacity: 501 }, 'capacity'],
      [{ name: 'A', capacity: 2.5 }, 'capacity'],
      [{ name: 'A', capacity: '30' }, 'capacity'],
      [{ name: 'A', capacity: 30, lessons: ['no-such-lesson'] }, 'lessons'],
      [{ name: 'A', capacity: 30, lessons: [] }, 'lessons'],
      [{ name: 'A', capacity: 30, lessons: 'volumes' }, 'lessons'],
      [{ name: 'A', capacity: 30, startsAt: 'tomorrow' }, 'startsAt'],
      [{ name: 'A', capacity: 30, endsAt: '2026-05-04T09:00' }, 'endsAt'],
      [{ name: 'A', capacity: 30, endsAt: '2026-05-04T07:59:00Z' }, 'endsAt'],
      [{ name: 'A', capacity: 30, startsAt: '2026-05-04T10:00Z', endsAt: '2026-05-04T09:00Z' }, 'endsAt'],
      [{ name: 'A', capacity: 30, prewarm: 31 }, 'prewarm'],
      [{ name: 'A', capacity: 30, prewarm: -1 }, 'prewarm'],
      [{ name: 'A', capacity: 30, stuckMinutes: 0 }, 'stuckMinutes'],
      [{ name: 'A', capacity: 30, stuckMinutes: 241 }, 'stuckMinutes'],
    ];
    for (const [body, field] of cases) {
      const err = refusal(() => parse(body));
      expect([err.status, err.field], JSON.stringify(body)).toEqual([400, field]);
    }
    expect(refusal(() => parse({ name: 'A', capacity: 30, lessons: ['nope'] })).message).toBe(
      'Field "lessons" names "nope", which is not a lesson of this course.',
    );
  });
});

describe('classes and their instructors', () => {
  it("are listed to their own instructor only; another instructor's answers 404", () => {
    const { classes } = setUp();
    const a = classes.create('instructor-a', input({ name: 'A' }));
    classes.create('instructor-b', input({ name: 'B' }));
    expect(classes.listFor('instructor-a').map((c) => c.name)).toEqual(['A']);
    expect(classes.owned(a.id, 'instructor-a').name).toBe('A');
    expect(refusal(() => classes.owned(a.id, 'instructor-b')).status).toBe(404);
    expect(refusal(() => classes.end(a.id, 'instructor-b')).status).toBe(404);
    expect(classes.owned(a.id, 'instructor-a').endedAt).toBeNull();
  });

  it('get join codes unique among running classes', () => {
    const { classes } = setUp();
    const codes = new Set(Array.from({ length: 50 }, () => classes.create('i', input()).code));
    expect(codes.size).toBe(50);
    for (const code of codes) expect(code).toMatch(/^[2-9A-HJKMNP-Z]{6,8}$/);
  });
});

describe('joining a class', () => {
  it('puts the learner in it under their name; the same learner again is not counted twice', () => {
    const { classes } = setUp();
    const created = classes.create('i', input({ capacity: 1 }));
    expect(classes.join(created.code.toLowerCase(), LEARNER(1), '  Ada  ')).toEqual({
      classId: created.id,
      name: 'Ada',
    });
    expect(classes.join(created.code, LEARNER(1), 'Ada L.')).toEqual({ classId: created.id, name: 'Ada L.' });
    expect(classes.members(created.id)).toMatchObject([{ learner: LEARNER(1), name: 'Ada L.' }]);
    expect(classes.classOf(LEARNER(1))).toEqual({ classId: created.id });
    expect(classes.classOf(LEARNER(2))).toBeUndefined();
  });

  it('keeps seats for running classes only, less their learners who have a machine', () => {
    const { classes, clock } = setUp();
    const running = classes.create('i', input({ capacity: 3 }));
    classes.create('i', input({ capacity: 5, startsAt: NOW + 3_600_000 })); // not started
    const ended = classes.create('i', input({ capacity: 7 }));
    classes.end(ended.id, 'i');
    classes.join(running.code, LEARNER(1), 'Ada');
    classes.join(running.code, LEARNER(2), 'Grace');
    expect(classes.seatsToKeep(() => false)).toBe(3);
    expect(classes.seatsToKeep((learner) => learner === LEARNER(1))).toBe(2);
    clock.now += 2 * 3_600_000; // the second class has started
    expect(classes.seatsToKeep((learner) => learner === LEARNER(1))).toBe(7);
  });

  it('wants warm machines for a class from 10 minutes before its start until it ends, less its learners with one', () => {
    const { classes, clock } = setUp();
    const later = classes.create('i', input({ capacity: 20, prewarm: 4, startsAt: NOW + 30 * 60_000 }));
    classes.create('i', input({ capacity: 5, prewarm: 2, endsAt: NOW + 60 * 60_000 })); // no start, has an end
    classes.create('i', input({ capacity: 5 })); // no pre-warm
    classes.join(later.code, LEARNER(1), 'Ada');
    classes.join(later.code, LEARNER(2), 'Grace');
    const adaHasOne = (learner: string) => learner === LEARNER(1);
    // A class without a start pre-warms from its creation; the later one not yet.
    expect(classes.prewarmWanted(adaHasOne)).toBe(2);
    clock.now = NOW + 30 * 60_000 - PREWARM_LEAD_MS;
    expect(classes.prewarmWanted(() => false)).toBe(6);
    expect(classes.prewarmWanted(adaHasOne)).toBe(5);
    // Before the start only the pre-warm is kept from the public; from the start, the capacity.
    expect(classes.seatsToKeep(adaHasOne)).toBe(3 + 5 + 5);
    clock.now = NOW + 30 * 60_000;
    expect(classes.seatsToKeep(adaHasOne)).toBe(19 + 5 + 5);
    expect(classes.prewarmWanted(adaHasOne)).toBe(5);
    // Past its end time, and once ended, a class wants none.
    clock.now = NOW + 60 * 60_000;
    expect(classes.prewarmWanted(adaHasOne)).toBe(3);
    classes.end(later.id, 'i');
    expect(classes.prewarmWanted(adaHasOne)).toBe(0);
  });

  it('answers a full class 409, an unknown code 404, a malformed one 400', () => {
    const { classes } = setUp();
    const created = classes.create('i', input({ capacity: 2 }));
    classes.join(created.code, LEARNER(1), 'Ada');
    classes.join(created.code, LEARNER(2), 'Grace');
    const full = refusal(() => classes.join(created.code, LEARNER(3), 'Linus'));
    expect([full.status, full.message]).toEqual([
      409,
      'This class is full (2 learners): ask your instructor to make room.',
    ]);
    expect(refusal(() => classes.join('ZZZZZZ', LEARNER(3), 'Linus')).status).toBe(404);
    expect(refusal(() => classes.join('not a code!', LEARNER(3), 'Linus')).field).toBe('code');
  });

  it('refuses a class that its instructor ended, or that is past its end time, with 410', () => {
    const { clock, classes } = setUp();
    const ended = classes.create('i', input());
    classes.join(ended.code, LEARNER(1), 'Ada');
    classes.end(ended.id, 'i');
    const err = refusal(() => classes.join(ended.code, LEARNER(2), 'Grace'));
    expect([err.status, err.message]).toEqual([
      410,
      'This class has ended: ask your instructor for a new code.',
    ]);
    // Its learners and their results are kept; it no longer puts them first in the line.
    expect(classes.members(ended.id)).toHaveLength(1);
    expect(classes.classOf(LEARNER(1))).toBeUndefined();

    const timed = classes.create('i', input({ endsAt: NOW + 60_000 }));
    classes.join(timed.code, LEARNER(3), 'Linus');
    clock.now += 60_000;
    expect(refusal(() => classes.join(timed.code, LEARNER(4), 'Ken')).status).toBe(410);
    expect(classes.classOf(LEARNER(3))).toBeUndefined();
  });

  it('lists each class that is over for closing until it is closed: ended, or once past its end time', () => {
    const { clock, classes } = setUp();
    const ended = classes.create('i', input());
    const timed = classes.create('i', input({ endsAt: NOW + 60_000 }));
    classes.create('i', input()); // running
    expect(classes.overNotClosed()).toEqual([]);
    classes.end(ended.id, 'i');
    expect(classes.overNotClosed().map((c) => c.id)).toEqual([ended.id]);
    expect(classes.overNotClosed(timed.id)).toEqual([]);
    clock.now += 60_000;
    expect(classes.overNotClosed(timed.id).map((c) => c.id)).toEqual([timed.id]);
    classes.markClosed(ended.id);
    classes.markClosed(timed.id);
    expect(classes.overNotClosed()).toEqual([]);
  });

  it('counts classes over before an upgrade as closed: their learners keep the machines they use now', () => {
    const { db, classes } = setUp();
    const old = classes.create('i', input());
    classes.end(old.id, 'i');
    const running = classes.create('i', input());
    // A file written before classes were closed has no such column.
    db.exec('ALTER TABLE classes DROP COLUMN closed_at');
    const upgraded = new Classes(db, () => NOW);
    expect(upgraded.overNotClosed()).toEqual([]);
    upgraded.end(running.id, 'i');
    expect(upgraded.overNotClosed().map((c) => c.id)).toEqual([running.id]);
  });

  it("lets a new class reuse an ended class's code, and the code then joins the new class", () => {
    const { db, classes } = setUp();
    const old = classes.create('i', input());
    classes.end(old.id, 'i');
    const fresh = classes.create('i', input());
    // Codes are random: give the new class the old one, as happens once in a while.
    db.prepare('UPDATE classes SET code = ? WHERE id = ?').run(old.code, fresh.id);
    expect(classes.join(old.code, LEARNER(1), 'Ada').classId).toBe(fresh.id);
  });

  it('caps names at 60 characters and refuses control characters; HTML and emoji are kept as text', () => {
    const { classes } = setUp();
    const { code } = classes.create('i', input());
    for (const name of ['', '   ', 'x'.repeat(61), 'bell\u0007', 'new\nline', 'x'.repeat(10_000)])
      expect(refusal(() => classes.join(code, LEARNER(1), name)).field).toBe('name');
    expect(classes.join(code, LEARNER(1), '<b>Ada</b> 🐳').name).toBe('<b>Ada</b> 🐳');
    expect(classes.join(code, LEARNER(2), '🐳'.repeat(60)).name).toHaveLength(120);
  });
});
