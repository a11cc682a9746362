import crypto from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Db } from '../database.ts';
import { forbidden, unauthorized } from '../http/api-error.ts';
import { learnerOf, readCookie, secureAttribute } from '../http/learner-cookie.ts';
import { originAllowed } from '../http/server.ts';

/** The instructor's sign-in: 32 random bytes in an HttpOnly, SameSite=Strict cookie, for 12 hours. */
export const INSTRUCTOR_COOKIE = 'dockyard_instructor';
export const INSTRUCTOR_SESSION_MS = 12 * 3600_000;
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

const hashOf = (token: string) => crypto.createHash('sha256').update(token).digest('hex');

/**
 * The key of a sign-in for what is kept per sign-in in memory (streams, terminals): the SHA-256 of
 * its cookie, as stored, never the cookie itself.
 */
export const signInKey = (token: string | undefined): string => hashOf(token ?? '');

/** Signed-in instructors: only a SHA-256 of each cookie is stored, with its expiry. */
export class InstructorSessions {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS instructor_sessions (
      token_hash TEXT PRIMARY KEY,
      instructor TEXT NOT NULL,
      expires_at INTEGER NOT NULL
    )`);
  }

  /** Starts a session for the instructor and answers its (secret) token. */
  start(instructor: string): string {
    const at = this.now();
    // Expired sign-ins are dropped as new ones start, so the table stays small.
    this.db.prepare('DELETE FROM instructor_sessions WHERE expires_at <= ?').run(at);
    const token = crypto.randomBytes(32).toString('base64url');
    this.db
      .prepare('INSERT INTO instructor_sessions (token_hash, instructor, expires_at) VALUES (?, ?, ?)')
      .run(hashOf(token), instructor, at + INSTRUCTOR_SESSION_MS);
    return token;
  }

  /** The instructor id of a live session token, if it is one. */
  instructorOf(token: string | undefined): string | undefined {
    if (!token || !TOKEN.test(token)) return undefined;
    const row = this.db
      .prepare('SELECT instructor FROM instructor_sessions WHERE token_hash = ? AND expires_at > ?')
      .get(hashOf(token), this.now()) as { instructor: string } | undefined;
    return row?.instructor;
  }

  /** Whether the sign-in of this key (`signInKey`) still holds: not ended, not expired. */
  holds(key: string): boolean {
    return (
      this.db
        .prepare('SELECT 1 FROM instructor_sessions WHERE token_hash = ? AND expires_at > ?')
        .get(key, this.now()) !== undefined
    );
  }

  /** Ends the session of this token (signing out). */
  end(token: string | undefined): void {
    if (token) this.db.prepare('DELETE FROM instructor_sessions WHERE token_hash = ?').run(hashOf(token));
  }
}

/** The `Set-Cookie` of a new sign-in (or, with no token, the one that clears it). */
export function instructorCookie(req: IncomingMessage, token: string | undefined): string {
  const maxAge = token ? INSTRUCTOR_SESSION_MS / 1000 : 0;
  return `${INSTRUCTOR_COOKIE}=${token ?? ''}; Path=/api/; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${secureAttribute(
    req,
  )}`;
}

/**
 * Who may call an instructor route: the instructor of the request's session cookie. A request that
 * changes something must also come from this server's own pages (its `Origin`, when a browser sends
 * one): with SameSite=Strict, that keeps other sites from acting as the instructor.
 */
export function instructorGuard(sessions: InstructorSessions, allowedOrigins: string[]) {
  return (req: IncomingMessage, options: { changes: boolean }): string => {
    if (options.changes) requireOwnOrigin(req, allowedOrigins);
    const instructor = sessions.instructorOf(readCookie(req, INSTRUCTOR_COOKIE));
    if (instructor) return instructor;
    if (readCookie(req, INSTRUCTOR_COOKIE))
      throw unauthorized('Your instructor sign-in has expired or ended: sign in again.');
    if (learnerOf(req))
      throw forbidden("This is for signed-in instructors: a learner's cookie does not open it.");
    throw unauthorized('Sign in as an instructor first (POST /api/instructor/login).');
  };
}

/** Refuses a request another site's page sent (its `Origin` is not this server's). */
export function requireOwnOrigin(req: IncomingMessage, allowedOrigins: string[]): void {
  if (!originAllowed(req.headers.origin, req.headers.host, allowedOrigins))
    throw forbidden(`Origin ${req.headers.origin} may not do this here.`);
}
