import crypto from 'node:crypto';
import type { Course } from '../../../engine/src/index.ts';
import { hasColumn, type Db } from '../database.ts';
import { ApiError, badRequest, notFound } from '../http/api-error.ts';
import { newJoinCode, normalizeCode } from './join-codes.ts';

export const MAX_CAPACITY = 500;
const CLASS_NAME = /^[^\p{Cc}]{1,100}$/u;
const LEARNER_NAME_MAX = 60;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** What an instructor asks for when creating a class, checked. */
export interface ClassInput {
  name: string;
  /** Lesson slugs the class uses; null for the whole course. */
  lessons: string[] | null;
  capacity: number;
  startsAt: number | null;
  endsAt: number | null;
  /**
   * Warm machines kept ready for the class's next learners, from `PREWARM_LEAD_MS` before its start
   * until it ends (less its learners who have a machine already).
   */
  prewarm: number;
  /** Minutes without a pass, while trying an exercise, after which the roster marks a learner stuck. */
  stuckMinutes: number;
}

/** A class's pre-warm begins this long before its start (one without a start: when it is made). */
export const PREWARM_LEAD_MS = 10 * 60_000;

/** The default of `stuckMinutes`, and its bounds. */
export const STUCK_MINUTES = { default: 10, min: 1, max: 240 };

/** A class as stored. */
export interface ClassRecord extends ClassInput {
  id: string;
  instructor: string;
  code: string;
  createdAt: number;
  /** When the instructor ended it; null while it runs. */
  endedAt: number | null;
}

/** One learner in a class, with the name they gave. */
export interface Member {
  learner: string;
  name: string;
  joinedAt: number;
}

interface Row {
  id: string;
  instructor: string;
  name: string;
  code: string;
  lessons: string | null;
  capacity: number;
  starts_at: number | null;
  ends_at: number | null;
  prewarm: number;
  stuck_minutes: number;
  created_at: number;
  ended_at: number | null;
}

const fromRow = (r: Row): ClassRecord => ({
  id: r.id,
  instructor: r.instructor,
  name: r.name,
  code: r.code,
  lessons: r.lessons === null ? null : (JSON.parse(r.lessons) as string[]),
  capacity: r.capacity,
  startsAt: r.starts_at,
  endsAt: r.ends_at,
  prewarm: r.prewarm,
  stuckMinutes: r.stuck_minutes,
  createdAt: r.created_at,
  endedAt: r.ended_at,
});

function optionalTime(value: unknown, field: string): number | null {
  if (value === undefined || value === null) return null;
  const at = typeof value === 'string' && ISO_TIME.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(at))
    throw badRequest(
      `Field "${field}" must be a time like 2026-05-04T09:00:00Z (with its time zone).`,
      field,
    );
  return at;
}

function wholeNumber(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw badRequest(`Field "${field}" must be a whole number from ${min} to ${max}.`, field);
  return value;
}

/** Checks a new class's fields against the course, with a 400 naming the first one that is wrong. */
export function parseClassInput(body: Record<string, unknown>, course: Course, now: number): ClassInput {
  const name = typeof body.name === 'string' ? body.name.trim() : '';
  if (!CLASS_NAME.test(name))
    throw badRequest('Field "name" must be 1 to 100 characters, without control characters.', 'name');

  let lessons: string[] | null = null;
  if (body.lessons !== undefined && body.lessons !== null) {
    const slugs = new Set(course.lessons.map((l) => l.slug));
    if (!Array.isArray(body.lessons) || body.lessons.length === 0)
      throw badRequest(
        'Field "lessons" must be a list of lesson slugs (or left out for the whole course).',
        'lessons',
      );
    for (const slug of body.lessons)
      if (typeof slug !== 'string' || !slugs.has(slug))
        throw badRequest(
          `Field "lessons" names "${String(slug).slice(0, 64)}", which is not a lesson of this course.`,
          'lessons',
        );
    // In course order, each once.
    lessons = course.lessons.map((l) => l.slug).filter((slug) => (body.lessons as unknown[]).includes(slug));
  }

  const capacity = wholeNumber(body.capacity, 'capacity', 1, MAX_CAPACITY);
  const startsAt = optionalTime(body.startsAt, 'startsAt');
  const endsAt = optionalTime(body.endsAt, 'endsAt');
  if (endsAt !== null && endsAt <= now) throw badRequest('Field "endsAt" must be in the future.', 'endsAt');
  if (endsAt !== null && startsAt !== null && endsAt <= startsAt)
    throw badRequest('Field "endsAt" must be after "startsAt".', 'endsAt');
  const prewarm = body.prewarm === undefined ? 0 : wholeNumber(body.prewarm, 'prewarm', 0, capacity);
  const stuckMinutes =
    body.stuckMinutes === undefined
      ? STUCK_MINUTES.default
      : wholeNumber(body.stuckMinutes, 'stuckMinutes', STUCK_MINUTES.min, STUCK_MINUTES.max);
  return { name, lessons, capacity, startsAt, endsAt, prewarm, stuckMinutes };
}

/** A learner's name for the class: trimmed, 1 to 60 characters, no control characters. Kept as text. */
export function parseLearnerName(value: unknown): string {
  const name = typeof value === 'string' ? value.trim() : '';
  if (!name || [...name].length > LEARNER_NAME_MAX || /\p{Cc}/u.test(name))
    throw badRequest(
      `Field "name" must be 1 to ${LEARNER_NAME_MAX} characters, without control characters.`,
      'name',
    );
  return name;
}

/**
 * Workshop classes: each belongs to the instructor who made it, has a join code while it runs, and
 * keeps its learners (and so their results) after it ends.
 */
export class Classes {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS classes (
      id TEXT PRIMARY KEY,
      instructor TEXT NOT NULL,
      name TEXT NOT NULL,
      code TEXT NOT NULL,
      lessons TEXT,
      capacity INTEGER NOT NULL,
      starts_at INTEGER,
      ends_at INTEGER,
      prewarm INTEGER NOT NULL DEFAULT 0,
      created_at INTEGER NOT NULL,
      ended_at INTEGER
    );
    CREATE INDEX IF NOT EXISTS classes_code ON classes (code);
    CREATE INDEX IF NOT EXISTS classes_instructor ON classes (instructor);
    CREATE TABLE IF NOT EXISTS class_learners (
      class_id TEXT NOT NULL REFERENCES classes(id),
      learner TEXT NOT NULL,
      name TEXT NOT NULL,
      joined_at INTEGER NOT NULL,
      PRIMARY KEY (class_id, learner)
    );
    CREATE INDEX IF NOT EXISTS class_learners_learner ON class_learners (learner, joined_at)`);
    if (!hasColumn(db, 'classes', 'stuck_minutes'))
      db.exec(
        `ALTER TABLE classes ADD COLUMN stuck_minutes INTEGER NOT NULL DEFAULT ${STUCK_MINUTES.default}`,
      );
    if (!hasColumn(db, 'classes', 'closed_at')) {
      db.exec('ALTER TABLE classes ADD COLUMN closed_at INTEGER');
      // Classes over before this column existed are closed already: their learners' machines now
      // are not the class's any more.
      const at = this.now();
      db.prepare(
        `UPDATE classes SET closed_at = ? WHERE ended_at IS NOT NULL OR (ends_at IS NOT NULL AND ends_at <= ?)`,
      ).run(at, at);
    }
  }

  /** Creates a class for the instructor, with a join code no running class has. */
  create(instructor: string, input: ClassInput): ClassRecord {
    const at = this.now();
    const code = newJoinCode((candidate) => this.liveWithCode(candidate, at) !== undefined);
    const id = crypto.randomBytes(8).toString('hex');
    this.db
      .prepare(
        `INSERT INTO classes (id, instructor, name, code, lessons, capacity, starts_at, ends_at, prewarm, stuck_minutes, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        instructor,
        input.name,
        code,
        input.lessons === null ? null : JSON.stringify(input.lessons),
        input.capacity,
        input.startsAt,
        input.endsAt,
        input.prewarm,
        input.stuckMinutes,
        at,
      );
    return { ...input, id, instructor, code, createdAt: at, endedAt: null };
  }

  /** The instructor's classes, newest first. */
  listFor(instructor: string): ClassRecord[] {
    return (
      this.db
        .prepare('SELECT * FROM classes WHERE instructor = ? ORDER BY created_at DESC, id')
        .all(instructor) as Row[]
    ).map(fromRow);
  }

  /** The instructor's class; another instructor's, or none, answers 404 (which of the two is not told). */
  owned(id: string, instructor: string): ClassRecord {
    const row = this.db
      .prepare('SELECT * FROM classes WHERE id = ? AND instructor = ?')
      .get(id, instructor) as Row | undefined;
    if (!row) throw notFound(`You have no class "${id}".`);
    return fromRow(row);
  }

  /** Any class by its id (for the server's own use: no owner check). */
  byId(id: string): ClassRecord | undefined {
    const row = this.db.prepare('SELECT * FROM classes WHERE id = ?').get(id) as Row | undefined;
    return row && fromRow(row);
  }

  /** Ends the instructor's class: its code stops working; its learners and results are kept. */
  end(id: string, instructor: string): ClassRecord {
    const found = this.owned(id, instructor);
    if (found.endedAt !== null) return found;
    const at = this.now();
    this.db.prepare('UPDATE classes SET ended_at = ? WHERE id = ?').run(at, id);
    return { ...found, endedAt: at };
  }

  /**
   * Classes that are over (ended, or past their end time) but not yet closed (`markClosed`): their
   * learners' machines are still to be ended. With `id`, that class only.
   */
  overNotClosed(id?: string): ClassRecord[] {
    const at = this.now();
    return (
      this.db
        .prepare(
          `SELECT * FROM classes WHERE closed_at IS NULL AND (ended_at IS NOT NULL OR ends_at <= ?)
           AND (? IS NULL OR id = ?)`,
        )
        .all(at, id ?? null, id ?? null) as Row[]
    ).map(fromRow);
  }

  /** Records that the class's machines were ended: a machine its learners start later is not touched. */
  markClosed(id: string): void {
    this.db
      .prepare('UPDATE classes SET closed_at = ? WHERE id = ? AND closed_at IS NULL')
      .run(this.now(), id);
  }

  /** Whether the class takes no one any more: ended by its instructor, or past its end time. */
  isOver(found: ClassRecord, at = this.now()): boolean {
    return found.endedAt !== null || (found.endsAt !== null && found.endsAt <= at);
  }

  /**
   * Puts the learner in the class of the code under the name they gave (again, with a new name, if
   * they are in it already). Unknown code 404, full class 409, a class that is over 410.
   */
  join(code: unknown, learner: string, name: unknown): { classId: string; name: string } {
    const normalized = normalizeCode(code);
    if (!normalized)
      throw badRequest('Field "code" must be the 6 to 8 letters and digits your instructor shows.', 'code');
    const learnerName = parseLearnerName(name);
    const at = this.now();
    const found = this.liveWithCode(normalized, at) ?? this.latestWithCode(normalized);
    if (!found)
      throw notFound(`There is no class with the code ${normalized}: check it with your instructor.`);
    if (this.isOver(found, at))
      throw new ApiError(410, 'class_over', 'This class has ended: ask your instructor for a new code.');
    const already = this.db
      .prepare('SELECT 1 FROM class_learners WHERE class_id = ? AND learner = ?')
      .get(found.id, learner);
    if (already) {
      this.db
        .prepare('UPDATE class_learners SET name = ?, joined_at = ? WHERE class_id = ? AND learner = ?')
        .run(learnerName, at, found.id, learner);
    } else {
      // Counting and adding run in one synchronous step: two learners cannot take the last place.
      if (this.count(found.id) >= found.capacity)
        throw new ApiError(
          409,
          'class_full',
          `This class is full (${found.capacity} learners): ask your instructor to make room.`,
        );
      this.db
        .prepare('INSERT INTO class_learners (class_id, learner, name, joined_at) VALUES (?, ?, ?, ?)')
        .run(found.id, learner, learnerName, at);
    }
    return { classId: found.id, name: learnerName };
  }

  /** The running class the learner joined last, if any: its learners go first in the line for a machine. */
  classOf(learner: string): { classId: string } | undefined {
    const at = this.now();
    const row = this.db
      .prepare(
        `SELECT c.id FROM class_learners m JOIN classes c ON c.id = m.class_id
         WHERE m.learner = ? AND c.ended_at IS NULL AND (c.ends_at IS NULL OR c.ends_at > ?)
         ORDER BY m.joined_at DESC LIMIT 1`,
      )
      .get(learner, at) as { id: string } | undefined;
    return row ? { classId: row.id } : undefined;
  }

  /** Every running class the learner is in, the one joined last first (their class lessons open to them). */
  runningOf(learner: string): string[] {
    const at = this.now();
    return (
      this.db
        .prepare(
          `SELECT c.id FROM class_learners m JOIN classes c ON c.id = m.class_id
           WHERE m.learner = ? AND c.ended_at IS NULL AND (c.ends_at IS NULL OR c.ends_at > ?)
           ORDER BY m.joined_at DESC, c.id`,
        )
        .all(learner, at) as { id: string }[]
    ).map((r) => r.id);
  }

  /**
   * Slots to keep for classes: a running class (started, not ended) keeps its capacity, and one in
   * its pre-warm lead before the start its pre-warm; each less its learners who have a machine now
   * (`usesMachine`).
   */
  seatsToKeep(usesMachine: (learner: string) => boolean): number {
    const at = this.now();
    let seats = 0;
    for (const c of this.runningOrWarming(at)) {
      const started = c.starts_at === null || c.starts_at <= at;
      seats += Math.max(0, (started ? c.capacity : c.prewarm) - this.using(c.id, usesMachine));
    }
    return seats;
  }

  /**
   * Warm machines wanted for classes from their pre-warm lead until they end: each class's
   * `prewarm` less its learners who have a machine now, so its next learners find one ready.
   */
  prewarmWanted(usesMachine: (learner: string) => boolean): number {
    let wanted = 0;
    for (const c of this.runningOrWarming(this.now()))
      if (c.prewarm > 0) wanted += Math.max(0, c.prewarm - this.using(c.id, usesMachine));
    return wanted;
  }

  /** Classes not over that have started or will within `PREWARM_LEAD_MS`. */
  private runningOrWarming(at: number) {
    return this.db
      .prepare(
        `SELECT id, capacity, prewarm, starts_at FROM classes WHERE ended_at IS NULL
         AND (starts_at IS NULL OR starts_at <= ?) AND (ends_at IS NULL OR ends_at > ?)`,
      )
      .all(at + PREWARM_LEAD_MS, at) as {
      id: string;
      capacity: number;
      prewarm: number;
      starts_at: number | null;
    }[];
  }

  /** The class's learners who have a machine now. */
  private using(classId: string, usesMachine: (learner: string) => boolean): number {
    return this.members(classId).filter((m) => usesMachine(m.learner)).length;
  }

  /** The class's learners, in the order they joined. */
  members(classId: string): Member[] {
    return (
      this.db
        .prepare(
          'SELECT learner, name, joined_at FROM class_learners WHERE class_id = ? ORDER BY joined_at, learner',
        )
        .all(classId) as { learner: string; name: string; joined_at: number }[]
    ).map((r) => ({ learner: r.learner, name: r.name, joinedAt: r.joined_at }));
  }

  /** How many learners are in the class. */
  count(classId: string): number {
    return (
      this.db.prepare('SELECT COUNT(*) AS n FROM class_learners WHERE class_id = ?').get(classId) as {
        n: number;
      }
    ).n;
  }

  private liveWithCode(code: string, at: number): ClassRecord | undefined {
    const row = this.db
      .prepare(
        'SELECT * FROM classes WHERE code = ? AND ended_at IS NULL AND (ends_at IS NULL OR ends_at > ?) LIMIT 1',
      )
      .get(code, at) as Row | undefined;
    return row && fromRow(row);
  }

  private latestWithCode(code: string): ClassRecord | undefined {
    const row = this.db
      .prepare('SELECT * FROM classes WHERE code = ? ORDER BY created_at DESC LIMIT 1')
      .get(code) as Row | undefined;
    return row && fromRow(row);
  }
}
