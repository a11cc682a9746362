import crypto from 'node:crypto';
import Database from 'better-sqlite3';

/** A learner's credentials on the lab hub, shown in their Hub panel. */
export interface HubAccount {
  sessionId: string;
  username: string;
  password: string;
}

const ADJECTIVES = [
  'brave',
  'calm',
  'eager',
  'fuzzy',
  'jolly',
  'lucky',
  'mellow',
  'nimble',
  'quiet',
  'swift',
  'tidy',
  'witty',
];
const ANIMALS = [
  'otter',
  'heron',
  'lynx',
  'panda',
  'koala',
  'falcon',
  'badger',
  'walrus',
  'gecko',
  'puffin',
  'marten',
  'ibis',
];

const pick = (list: string[]) => list[crypto.randomInt(list.length)]!;

/**
 * Hub accounts, one per session, in the server's SQLite file. A password is derived from the
 * username with the lab's secret (HMAC), so any Dockyard process holding that secret can verify a
 * login without sharing a database, and nothing secret is stored beside the username.
 */
export class HubAccounts {
  private readonly db: Database.Database;

  constructor(
    file: string,
    private readonly secret: Buffer,
  ) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS hub_accounts (
      session_id TEXT PRIMARY KEY,
      username TEXT NOT NULL UNIQUE
    )`);
  }

  private passwordOf(username: string): string {
    return crypto.createHmac('sha256', this.secret).update(username).digest('base64url').slice(0, 16);
  }

  /** The session's account, created on first use. */
  forSession(sessionId: string): HubAccount {
    const row = this.db.prepare('SELECT username FROM hub_accounts WHERE session_id = ?').get(sessionId) as
      { username: string } | undefined;
    if (row) return { sessionId, username: row.username, password: this.passwordOf(row.username) };
    for (;;) {
      const username = `${pick(ADJECTIVES)}${pick(ANIMALS)}${crypto.randomInt(100, 1000)}`;
      const inserted = this.db
        .prepare('INSERT OR IGNORE INTO hub_accounts (session_id, username) VALUES (?, ?)')
        .run(sessionId, username);
      if (inserted.changes === 1) return { sessionId, username, password: this.passwordOf(username) };
    }
  }

  /** Checks a login; returns the username when the password is right. */
  verify(username: string, password: string): string | undefined {
    if (!/^[a-z]+[0-9]+$/.test(username)) return undefined;
    const a = crypto.createHash('sha256').update(password).digest();
    const b = crypto.createHash('sha256').update(this.passwordOf(username)).digest();
    return crypto.timingSafeEqual(a, b) ? username : undefined;
  }

  /** Forgets the session's account (its pushed repositories stay in the hub's storage). */
  remove(sessionId: string): void {
    this.db.prepare('DELETE FROM hub_accounts WHERE session_id = ?').run(sessionId);
  }

  close(): void {
    this.db.close();
  }
}
