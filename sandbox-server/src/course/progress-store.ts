import type { Db } from '../database.ts';

/** What a learner has passed, per lesson slug: exercise and quiz ids. */
export type LearnerProgress = Record<string, { passed: string[] }>;

/** Anonymous learners' progress, beside the sessions, so it outlives sessions and restarts of the server. */
export class ProgressStore {
  constructor(private readonly db: Db) {
    db.exec(`CREATE TABLE IF NOT EXISTS progress (
      learner TEXT NOT NULL,
      lesson TEXT NOT NULL,
      item TEXT NOT NULL,
      passed_at INTEGER NOT NULL,
      PRIMARY KEY (learner, lesson, item)
    )`);
  }

  /** Records that the learner passed an exercise or answered a quiz right; the first time counts. */
  record(learner: string, lesson: string, item: string, at = Date.now()): void {
    this.db
      .prepare('INSERT OR IGNORE INTO progress (learner, lesson, item, passed_at) VALUES (?, ?, ?, ?)')
      .run(learner, lesson, item, at);
  }

  /** Learners who passed something at or after a time. */
  learnersSince(at: number): string[] {
    return (
      this.db.prepare('SELECT DISTINCT learner FROM progress WHERE passed_at >= ?').all(at) as {
        learner: string;
      }[]
    ).map((r) => r.learner);
  }

  /** Everything the learner passed, lesson by lesson, items in the order they were passed. */
  forLearner(learner: string): LearnerProgress {
    const rows = this.db
      .prepare('SELECT lesson, item FROM progress WHERE learner = ? ORDER BY passed_at, item')
      .all(learner) as { lesson: string; item: string }[];
    const progress: LearnerProgress = {};
    for (const row of rows) (progress[row.lesson] ??= { passed: [] }).passed.push(row.item);
    return progress;
  }
}
