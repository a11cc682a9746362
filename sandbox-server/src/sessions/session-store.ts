import { hasColumn, type Db } from '../database.ts';
import type { SessionState } from './session-lifecycle.ts';

/** A learner's session as stored on disk. Tokens are never stored, only their SHA-256. */
export interface SessionRecord {
  id: string;
  tokenHash: string;
  lesson: string | null;
  /** The anonymous learner (cookie) who opened it, if known: their hub account follows them. */
  learner: string | null;
  /** The client address that asked for it (per-address limits); null for older rows. */
  address: string | null;
  createdAt: number;
  expiresAt: number;
  lastSeenAt: number;
  /** Where the session is in its life (session-lifecycle.ts). */
  state: SessionState;
  /** Why it failed, in a sentence a learner can read (state "failed" only). */
  failure: string | null;
  /** How many machines it has (node1…nodeN): more than one for a lesson that asks for them. */
  machines: number;
}

interface Row {
  id: string;
  token_hash: string;
  lesson: string | null;
  learner: string | null;
  address: string | null;
  created_at: number;
  expires_at: number;
  last_seen_at: number;
  state: SessionState;
  failure: string | null;
  machines: number;
}

const fromRow = (r: Row): SessionRecord => ({
  id: r.id,
  tokenHash: r.token_hash,
  lesson: r.lesson,
  learner: r.learner,
  address: r.address,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  lastSeenAt: r.last_seen_at,
  state: r.state,
  failure: r.failure,
  machines: r.machines,
});

/** Sessions in an embedded SQLite file, so they outlive a restart of the server. */
export class SessionStore {
  constructor(private readonly db: Db) {
    db.exec(`CREATE TABLE IF NOT EXISTS sessions (
      id TEXT PRIMARY KEY,
      token_hash TEXT NOT NULL,
      lesson TEXT,
      learner TEXT,
      address TEXT,
      created_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      last_seen_at INTEGER NOT NULL,
      state TEXT NOT NULL DEFAULT 'starting',
      failure TEXT
    )`);
    // Files written by older versions lack the later columns.
    if (!hasColumn(db, 'sessions', 'learner')) db.exec('ALTER TABLE sessions ADD COLUMN learner TEXT');
    if (!hasColumn(db, 'sessions', 'state'))
      db.exec("ALTER TABLE sessions ADD COLUMN state TEXT NOT NULL DEFAULT 'starting'");
    if (!hasColumn(db, 'sessions', 'failure')) db.exec('ALTER TABLE sessions ADD COLUMN failure TEXT');
    if (!hasColumn(db, 'sessions', 'address')) db.exec('ALTER TABLE sessions ADD COLUMN address TEXT');
    if (!hasColumn(db, 'sessions', 'machines'))
      db.exec('ALTER TABLE sessions ADD COLUMN machines INTEGER NOT NULL DEFAULT 1');
    // More tokens of one session: a second tab of the same learner on the same lesson.
    db.exec(`CREATE TABLE IF NOT EXISTS session_tokens (
      session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
      token_hash TEXT NOT NULL,
      PRIMARY KEY (session_id, token_hash)
    )`);
  }

  insert(s: SessionRecord): void {
    this.db
      .prepare(
        'INSERT INTO sessions (id, token_hash, lesson, learner, address, created_at, expires_at, last_seen_at, state, failure, machines) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        s.id,
        s.tokenHash,
        s.lesson,
        s.learner,
        s.address,
        s.createdAt,
        s.expiresAt,
        s.lastSeenAt,
        s.state,
        s.failure,
        s.machines,
      );
  }

  get(id: string): SessionRecord | undefined {
    const row = this.db.prepare('SELECT * FROM sessions WHERE id = ?').get(id) as Row | undefined;
    return row && fromRow(row);
  }

  /** Every token hash that opens the session: the first one and those added later. */
  tokenHashes(id: string): string[] {
    const first = this.get(id)?.tokenHash;
    if (!first) return [];
    const more = this.db.prepare('SELECT token_hash FROM session_tokens WHERE session_id = ?').all(id) as {
      token_hash: string;
    }[];
    return [first, ...more.map((r) => r.token_hash)];
  }

  addToken(id: string, tokenHash: string): void {
    this.db.prepare('INSERT INTO session_tokens (session_id, token_hash) VALUES (?, ?)').run(id, tokenHash);
  }

  /** The learner's newest live session on a lesson (null: the course index), if any. */
  liveFor(learner: string, lesson: string | null): SessionRecord | undefined {
    const row = this.db
      .prepare(
        "SELECT * FROM sessions WHERE learner = ? AND lesson IS ? AND state IN ('starting', 'ready') ORDER BY created_at DESC LIMIT 1",
      )
      .get(learner, lesson) as Row | undefined;
    return row && fromRow(row);
  }

  /** The learner's live sessions, newest first. */
  liveOf(learner: string): SessionRecord[] {
    return (
      this.db
        .prepare(
          "SELECT * FROM sessions WHERE learner = ? AND state IN ('starting', 'ready') ORDER BY created_at DESC",
        )
        .all(learner) as Row[]
    ).map(fromRow);
  }

  /** Machines of the sessions not yet ended that were asked for from this address. */
  countFrom(address: string): number {
    return (
      this.db
        .prepare(
          "SELECT COALESCE(SUM(machines), 0) AS n FROM sessions WHERE address = ? AND state IN ('starting', 'ready', 'failed')",
        )
        .get(address) as { n: number }
    ).n;
  }

  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM sessions').get() as { n: number }).n;
  }

  /** The machines of every session (one each, more for a lesson with several). */
  machineCount(): number {
    return (this.db.prepare('SELECT COALESCE(SUM(machines), 0) AS n FROM sessions').get() as { n: number }).n;
  }

  all(): SessionRecord[] {
    return (this.db.prepare('SELECT * FROM sessions').all() as Row[]).map(fromRow);
  }

  touch(id: string, at: number): void {
    this.db.prepare('UPDATE sessions SET last_seen_at = ? WHERE id = ?').run(at, id);
  }

  /** Sets when the session ends at the latest. */
  setExpiresAt(id: string, at: number): void {
    this.db.prepare('UPDATE sessions SET expires_at = ? WHERE id = ?').run(at, id);
  }

  /** Moves a session to a state; false when its state was not one of `from` (or it is gone). */
  setState(
    id: string,
    from: readonly SessionState[],
    to: SessionState,
    failure: string | null = null,
  ): boolean {
    const placeholders = from.map(() => '?').join(', ');
    const result = this.db
      .prepare(`UPDATE sessions SET state = ?, failure = ? WHERE id = ? AND state IN (${placeholders})`)
      .run(to, failure, id, ...from);
    return result.changes === 1;
  }

  delete(id: string): void {
    this.db.prepare('DELETE FROM session_tokens WHERE session_id = ?').run(id);
    this.db.prepare('DELETE FROM sessions WHERE id = ?').run(id);
  }
}
