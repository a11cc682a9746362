import type { ExerciseReport } from '../../../engine/src/contract.ts';
import type { Db } from '../database.ts';

/** Checks kept per learner and exercise in a class: the roster needs the latest few, not a log. */
export const CHECKS_KEPT = 50;
/** Failure messages are kept to this many characters (a check's message is written for one line). */
const MESSAGE_MAX = 500;

/** One check a learner of a class ran. */
export interface CheckEntry {
  learner: string;
  lesson: string;
  exercise: string;
  passed: boolean;
  /** The first failing check's message; null when the exercise passed. */
  message: string | null;
  at: number;
}

/** The message of an exercise report's first failing check, if any. */
export function firstFailure(report: ExerciseReport): string | null {
  const failed = report.checks.find((c) => !c.passed);
  return report.passed || !failed ? null : failed.message.slice(0, MESSAGE_MAX);
}

/** Every check result of the learners of classes, the last {@link CHECKS_KEPT} per learner and exercise. */
export class CheckHistory {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS class_checks (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      class_id TEXT NOT NULL,
      learner TEXT NOT NULL,
      lesson TEXT NOT NULL,
      exercise TEXT NOT NULL,
      passed INTEGER NOT NULL,
      message TEXT,
      at INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS class_checks_exercise ON class_checks (class_id, learner, lesson, exercise, id)`);
  }

  /** Records a check of the learner in the class, dropping what is past the bound. */
  record(classId: string, learner: string, lesson: string, exercise: string, report: ExerciseReport): void {
    const insert = this.db.prepare(
      'INSERT INTO class_checks (class_id, learner, lesson, exercise, passed, message, at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    const prune = this.db.prepare(
      `DELETE FROM class_checks WHERE class_id = ? AND learner = ? AND lesson = ? AND exercise = ? AND id <= (
         SELECT id FROM class_checks WHERE class_id = ? AND learner = ? AND lesson = ? AND exercise = ?
         ORDER BY id DESC LIMIT 1 OFFSET ?)`,
    );
    const key = [classId, learner, lesson, exercise];
    this.db.transaction(() => {
      insert.run(...key, report.passed ? 1 : 0, firstFailure(report), this.now());
      prune.run(...key, ...key, CHECKS_KEPT);
    })();
  }

  /** The class's checks, oldest first. */
  ofClass(classId: string): CheckEntry[] {
    return (
      this.db
        .prepare(
          'SELECT learner, lesson, exercise, passed, message, at FROM class_checks WHERE class_id = ? ORDER BY id',
        )
        .all(classId) as (Omit<CheckEntry, 'passed'> & { passed: number })[]
    ).map((r) => ({ ...r, passed: r.passed === 1 }));
  }
}
