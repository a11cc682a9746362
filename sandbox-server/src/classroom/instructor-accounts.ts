import crypto from 'node:crypto';
import type { Db } from '../database.ts';
import { ApiError, badRequest } from '../http/api-error.ts';
import { DEFAULT_COST, hashPassword, verifyPassword, type ScryptCost } from './password-hash.ts';

const USERNAME = /^[a-z0-9._-]{3,32}$/;
const MIN_PASSWORD = 10;
/** Longer passwords only cost scrypt time; nobody types more. */
const MAX_PASSWORD = 1024;

/** One instructor: an id the classes refer to, and the name they sign in with. */
export interface Instructor {
  id: string;
  username: string;
}

/** Checks a new account's fields, with a 400 naming the one that is wrong. */
export function checkAccountInput(
  username: unknown,
  password: unknown,
): { username: string; password: string } {
  if (typeof username !== 'string' || !USERNAME.test(username))
    throw badRequest(
      'Field "username" must be 3 to 32 characters of a-z, 0-9, dot, underscore or hyphen.',
      'username',
    );
  if (typeof password !== 'string' || password.length < MIN_PASSWORD || password.length > MAX_PASSWORD)
    throw badRequest(`Field "password" must be ${MIN_PASSWORD} to ${MAX_PASSWORD} characters.`, 'password');
  return { username, password };
}

/**
 * Instructor accounts, made with the server's admin token: a username and a salted scrypt hash of
 * the password (never the password itself).
 */
export class InstructorAccounts {
  /** Compared against when the username is unknown, so a wrong name takes as long as a wrong password. */
  private readonly decoy: Promise<string>;

  constructor(
    private readonly db: Db,
    private readonly cost: ScryptCost = DEFAULT_COST,
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS instructors (
      id TEXT PRIMARY KEY,
      username TEXT NOT NULL UNIQUE,
      password_hash TEXT NOT NULL,
      created_at INTEGER NOT NULL
    )`);
    this.decoy = hashPassword(crypto.randomBytes(16).toString('hex'), cost);
  }

  /** Creates an account; a taken username answers 409. */
  async create(username: unknown, password: unknown, at = Date.now()): Promise<Instructor> {
    const input = checkAccountInput(username, password);
    if (this.byUsername(input.username))
      throw new ApiError(409, 'conflict', `There is already an instructor named "${input.username}".`);
    const hash = await hashPassword(input.password, this.cost);
    const id = crypto.randomBytes(8).toString('hex');
    try {
      this.db
        .prepare('INSERT INTO instructors (id, username, password_hash, created_at) VALUES (?, ?, ?, ?)')
        .run(id, input.username, hash, at);
    } catch (err) {
      // Two requests for one name at once: the second loses here.
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE')
        throw new ApiError(409, 'conflict', `There is already an instructor named "${input.username}".`);
      throw err;
    }
    return { id, username: input.username };
  }

  /** The instructor whose username and password these are, or undefined (which part was wrong is not told). */
  async verify(username: unknown, password: unknown): Promise<Instructor | undefined> {
    const name = typeof username === 'string' ? username : '';
    const given = typeof password === 'string' && password.length <= MAX_PASSWORD ? password : '';
    const row = USERNAME.test(name) ? this.byUsername(name) : undefined;
    const matches = await verifyPassword(given, row?.password_hash ?? (await this.decoy));
    return row && matches ? { id: row.id, username: row.username } : undefined;
  }

  /** The instructor with this id, if the account exists. */
  get(id: string): Instructor | undefined {
    return this.db.prepare('SELECT id, username FROM instructors WHERE id = ?').get(id) as
      Instructor | undefined;
  }

  private byUsername(username: string): { id: string; username: string; password_hash: string } | undefined {
    return this.db
      .prepare('SELECT id, username, password_hash FROM instructors WHERE username = ?')
      .get(username) as { id: string; username: string; password_hash: string } | undefined;
  }
}
