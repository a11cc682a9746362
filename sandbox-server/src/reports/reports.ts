import crypto from 'node:crypto';
import type { Db } from '../database.ts';
import { notFound } from '../http/api-error.ts';

/** A learner's "Report a problem", as stored. */
export interface ReportRecord {
  id: string;
  lesson: string;
  /** The `##` heading of the section the report was sent from; '' for the lesson as a whole. */
  section: string;
  /** The learner's cookie id: never shown, only its handle (`learnerHandle`). */
  learner: string;
  /** The name they gave their class (or `PUT /api/learner`), if any. */
  learnerName: string | null;
  /** The running class the learner was in when they sent it: whose instructor sees it. */
  classId: string | null;
  text: string;
  /** Their terminal's last lines, joined by `\n`, when they chose to attach them. */
  terminal: string | null;
  createdAt: number;
  doneAt: number | null;
}

export type ReportState = 'open' | 'done' | 'all';

interface Row {
  id: string;
  lesson: string;
  section: string;
  learner: string;
  learner_name: string | null;
  class_id: string | null;
  text: string;
  terminal: string | null;
  created_at: number;
  done_at: number | null;
}

const fromRow = (r: Row): ReportRecord => ({
  id: r.id,
  lesson: r.lesson,
  section: r.section,
  learner: r.learner,
  learnerName: r.learner_name,
  classId: r.class_id,
  text: r.text,
  terminal: r.terminal,
  createdAt: r.created_at,
  doneAt: r.done_at,
});

/**
 * Whether a caller sees the report: every one for the admin token (`classIds` undefined), else only
 * one filed to these classes (an instructor's own). `list`, `setDone` and the live stream keep to it.
 */
export const mayRead = (report: Pick<ReportRecord, 'classId'>, classIds: string[] | undefined): boolean =>
  !classIds || (report.classId !== null && classIds.includes(report.classId));

const STATE_WHERE: Record<ReportState, string> = {
  open: 'done_at IS NULL',
  done: 'done_at IS NOT NULL',
  all: '1 = 1',
};

/** Learners' problem reports: filed from a lesson's sections, read and marked done by instructors. */
export class Reports {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS reports (
      id TEXT PRIMARY KEY,
      lesson TEXT NOT NULL,
      section TEXT NOT NULL,
      learner TEXT NOT NULL,
      learner_name TEXT,
      class_id TEXT,
      text TEXT NOT NULL,
      terminal TEXT,
      created_at INTEGER NOT NULL,
      done_at INTEGER
    )`);
    db.exec('CREATE INDEX IF NOT EXISTS reports_class ON reports (class_id, created_at)');
  }

  add(report: Omit<ReportRecord, 'id' | 'createdAt' | 'doneAt'>): ReportRecord {
    const id = crypto.randomBytes(9).toString('base64url');
    const createdAt = this.now();
    this.db
      .prepare(
        `INSERT INTO reports (id, lesson, section, learner, learner_name, class_id, text, terminal, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        report.lesson,
        report.section,
        report.learner,
        report.learnerName,
        report.classId,
        report.text,
        report.terminal,
        createdAt,
      );
    return { ...report, id, createdAt, doneAt: null };
  }

  /**
   * Reports newest first: every one (`classIds` undefined, the admin token), or those filed from
   * these classes only (an instructor's own).
   */
  list(state: ReportState, classIds?: string[]): ReportRecord[] {
    if (classIds?.length === 0) return [];
    const inClasses = classIds ? ` AND class_id IN (${classIds.map(() => '?').join(', ')})` : '';
    return (
      this.db
        .prepare(
          `SELECT * FROM reports WHERE ${STATE_WHERE[state]}${inClasses} ORDER BY created_at DESC, rowid DESC`,
        )
        .all(...(classIds ?? [])) as Row[]
    ).map(fromRow);
  }

  /**
   * Marks a report done (or open again). One the caller may not see (`classIds` as for `list`)
   * answers 404, as if there were none.
   */
  setDone(id: string, done: boolean, classIds?: string[]): ReportRecord {
    const row = this.db.prepare('SELECT * FROM reports WHERE id = ?').get(id) as Row | undefined;
    if (!row || !mayRead({ classId: row.class_id }, classIds)) throw notFound(`There is no report "${id}".`);
    const doneAt = done ? (row.done_at ?? this.now()) : null;
    this.db.prepare('UPDATE reports SET done_at = ? WHERE id = ?').run(doneAt, id);
    return fromRow({ ...row, done_at: doneAt });
  }
}
