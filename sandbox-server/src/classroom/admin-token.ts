import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { IncomingMessage } from 'node:http';
import { forbidden, unauthorized } from '../http/api-error.ts';
import { bearerToken } from '../http/http-routing.ts';
import { sameSecret } from '../http/same-secret.ts';

/**
 * The server's admin token (the instructor token of old): DOCKYARD_INSTRUCTOR_TOKEN, else one made
 * on first start and kept in `<dataDir>/instructor-token` (readable by root only), so it survives
 * restarts.
 */
export function instructorToken(dataDir: string, configured: string | undefined): string {
  if (configured) return configured;
  const file = path.join(dataDir, 'instructor-token');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(file, `${crypto.randomBytes(18).toString('base64url')}\n`, { mode: 0o600 });
  }
  return fs.readFileSync(file, 'utf8').trim();
}

/** Refuses a request without the admin token (401) or with another one (403); `what` names the action. */
export function requireAdminToken(req: IncomingMessage, token: string, what: string): void {
  const given = bearerToken(req);
  if (!given) throw unauthorized(`${what} needs the instructor token (Authorization: Bearer <token>).`);
  if (!sameSecret(given, token)) throw forbidden('This is not the instructor token.');
}
