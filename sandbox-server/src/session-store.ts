import { hasColumn, type Db } from './database.ts';

/** A learner's session as stored on disk. The token itself is never stored, only its SHA-256. */
export interface SessionRecord {
  id: string;
  tokenHash: string;
  lesson: string | null;
  /** The anonymous learner (cookie) who opened it, if known: their hub account follows them. */
  learner: string | null;
  createdAt: number;
  expiresAt: number;
  lastSeenAt: number;
}

interface Row {
  id: string;
  token_hash: string;
  lesson: string | null;
  learner: string | null;
  created_at: number;
  expires_at: number;
  last_seen_at: number;
}

const fromRow = (r: Row): SessionRecord => ({
  id: r.id,
  tokenHash: r.token_hash,
  lesson: r.lesson,
  learner: r.learner,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  lastSeenAt: r.last_seen_at,
});

/** Sessions in an embedded SQLite file, so they outlive a restart of the server. */
export class SessionStore {
  constructor(private readonly db: Db) {
    db.exec(`CREATE TABLE IF NOT EXISTS sessions (
      id TEXT PRIMARY KEY,
      token_hash TEXT NOT NULL,
      lesson TEXT,
      learner TEXT,
      created_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      last_seen_at INTEGER NOT NULL
    )`);
    if (!hasColumn(db, 'sessions', 'learner')) db.exec('ALTER TABLE sessions ADD COLUMN learner TEXT');
  }

  insert(s: SessionRecord): void {
    this.db
      .prepare(
        'INSERT INTO sessions (id, token_hash, lesson, learner, created_at, expires_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(s.id, s.tokenHash, s.lesson, s.learner, s.createdAt, s.expiresAt, s.lastSeenAt);
  }

  get(id: string): SessionRecord | undefined {
    const row = this.db.prepare('SELECT * FROM sessions WHERE id = ?').get(id) as Row | undefined;
    return row && fromRow(row);
  }

  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM sessions').get() as { n: number }).n;
  }

  all(): SessionRecord[] {
    return (this.db.prepare('SELECT * FROM sessions').all() as Row[]).map(fromRow);
  }

  touch(id: string, at: number): void {
    this.db.prepare('UPDATE sessions SET last_seen_at = ? WHERE id = ?').run(at, id);
  }

  delete(id: string): void {
    this.db.prepare('DELETE FROM sessions WHERE id = ?').run(id);
  }
}
