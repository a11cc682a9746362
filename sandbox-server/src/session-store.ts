import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

/** A learner's session as stored on disk. The token itself is never stored, only its SHA-256. */
export interface SessionRecord {
  id: string;
  tokenHash: string;
  lesson: string | null;
  createdAt: number;
  expiresAt: number;
  lastSeenAt: number;
}

interface Row {
  id: string;
  token_hash: string;
  lesson: string | null;
  created_at: number;
  expires_at: number;
  last_seen_at: number;
}

const fromRow = (r: Row): SessionRecord => ({
  id: r.id,
  tokenHash: r.token_hash,
  lesson: r.lesson,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  lastSeenAt: r.last_seen_at,
});

/** Sessions in an embedded SQLite file, so they outlive a restart of the server. */
export class SessionStore {
  private readonly db: Database.Database;

  constructor(file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS sessions (
      id TEXT PRIMARY KEY,
      token_hash TEXT NOT NULL,
      lesson TEXT,
      created_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      last_seen_at INTEGER NOT NULL
    )`);
  }

  insert(s: SessionRecord): void {
    this.db
      .prepare(
        'INSERT INTO sessions (id, token_hash, lesson, created_at, expires_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(s.id, s.tokenHash, s.lesson, s.createdAt, s.expiresAt, s.lastSeenAt);
  }

  get(id: string): SessionRecord | undefined {
    const row = this.db.prepare('SELECT * FROM sessions WHERE id = ?').get(id) as Row | undefined;
    return row && fromRow(row);
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

  close(): void {
    this.db.close();
  }
}
