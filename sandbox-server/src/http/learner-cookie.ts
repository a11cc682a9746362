import crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The anonymous learner id: a 128-bit random value in an HttpOnly cookie. Progress and the hub
 * account belong to it, so both survive a new session and a restart of the server.
 */
export const LEARNER_COOKIE = 'dockyard_learner';
const LEARNER_ID = /^[0-9a-f]{32}$/;
const LEARNER_MAX_AGE_S = 365 * 24 * 3600;

/** `; Secure` when the page came over HTTPS (directly, or through a TLS proxy that says so). */
export function secureAttribute(req: IncomingMessage): string {
  const proto = String(req.headers['x-forwarded-proto'] ?? '')
    .split(',')[0]!
    .trim();
  const encrypted = (req.socket as { encrypted?: boolean }).encrypted === true;
  return encrypted || proto === 'https' ? '; Secure' : '';
}

/** The value of one cookie of the request, if present. */
export function readCookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The anonymous learner id of the request's cookie, if it has a well-formed one. */
export function learnerOf(req: IncomingMessage): string | undefined {
  const id = readCookie(req, LEARNER_COOKIE);
  return id && LEARNER_ID.test(id) ? id : undefined;
}

/** The request's learner id; a new one (128-bit random) is set as an HttpOnly cookie when it has none. */
export function ensureLearner(req: IncomingMessage, res: ServerResponse): string {
  const existing = learnerOf(req);
  if (existing) return existing;
  const id = crypto.randomBytes(16).toString('hex');
  const cookie = `${LEARNER_COOKIE}=${id}; Path=/; Max-Age=${LEARNER_MAX_AGE_S}; HttpOnly; SameSite=Lax${secureAttribute(req)}`;
  addCookie(res, cookie);
  return id;
}

/** Adds a cookie to the response's `Set-Cookie`, keeping any set before. */
export function addCookie(res: ServerResponse, cookie: string): void {
  const previous = res.getHeader('set-cookie');
  res.setHeader('set-cookie', [
    ...(Array.isArray(previous) ? previous : previous ? [String(previous)] : []),
    cookie,
  ]);
}
