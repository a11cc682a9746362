import crypto from 'node:crypto';
import { hasColumn, type Db } from '../database.ts';
import { sameSecret } from '../http/same-secret.ts';
import type { SessionRecord } from '../sessions/session-store.ts';

/** A learner's credentials on the lab hub, shown in their Hub panel. */
export interface HubAccount {
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
 * The owner of a session's hub account: the learner of the session's cookie, so their pushed
 * images and their login stay theirs across sessions (tomorrow's sandbox pulls what today's pushed);
 * a session opened without a learner id (an API client) gets an account of its own.
 */
export const accountOwner = (session: Pick<SessionRecord, 'id' | 'learner'>): string =>
  session.learner ? `learner:${session.learner}` : `session:${session.id}`;

/**
 * Hub accounts, one per owner (see accountOwner), in the server's SQLite file. A password is derived
 * from the username with the lab's secret (HMAC), so any Dockyard process holding that secret can
 * verify a login without sharing a database, and nothing secret is stored beside the username.
 */
export class HubAccounts {
  constructor(
    private readonly db: Db,
    private readonly secret: Buffer,
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS hub_accounts (
      owner TEXT PRIMARY KEY,
      username TEXT NOT NULL UNIQUE
    )`);
    // Files of the first version keyed accounts by bare session id.
    if (hasColumn(db, 'hub_accounts', 'session_id')) {
      db.exec(`ALTER TABLE hub_accounts RENAME COLUMN session_id TO owner;
        UPDATE hub_accounts SET owner = 'session:' || owner`);
    }
  }

  private passwordOf(username: string): string {
    return crypto.createHmac('sha256', this.secret).update(username).digest('base64url').slice(0, 16);
  }

  /** The owner's account, created on first use. */
  forOwner(owner: string): HubAccount {
    const row = this.db.prepare('SELECT username FROM hub_accounts WHERE owner = ?').get(owner) as
      { username: string } | undefined;
    if (row) return { username: row.username, password: this.passwordOf(row.username) };
    for (;;) {
      const username = `${pick(ADJECTIVES)}${pick(ANIMALS)}${crypto.randomInt(100, 1000)}`;
      const inserted = this.db
        .prepare('INSERT OR IGNORE INTO hub_accounts (owner, username) VALUES (?, ?)')
        .run(owner, username);
      if (inserted.changes === 1) return { username, password: this.passwordOf(username) };
    }
  }

  /** Whether a hub username belongs to a learner of this lab (their namespace is the lab's). */
  exists(username: string): boolean {
    return this.db.prepare('SELECT 1 FROM hub_accounts WHERE username = ?').get(username) !== undefined;
  }

  /** Checks a login; returns the username when the password is right. */
  verify(username: string, password: string): string | undefined {
    if (!/^[a-z]+[0-9]+$/.test(username)) return undefined;
    return sameSecret(password, this.passwordOf(username)) ? username : undefined;
  }
}
