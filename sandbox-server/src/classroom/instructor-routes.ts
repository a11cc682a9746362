import type { IncomingMessage } from 'node:http';
import { unauthorized } from '../http/api-error.ts';
import { json, readJson, type Route } from '../http/http-routing.ts';
import { addCookie, readCookie } from '../http/learner-cookie.ts';
import { requireAdminToken } from './admin-token.ts';
import type { InstructorAccounts } from './instructor-accounts.ts';
import {
  INSTRUCTOR_COOKIE,
  instructorCookie,
  requireOwnOrigin,
  signInKey,
  type InstructorSessions,
} from './instructor-sessions.ts';
import type { LoginThrottle } from './login-throttle.ts';

export interface InstructorRoutesContext {
  accounts: InstructorAccounts;
  sessions: InstructorSessions;
  throttle: LoginThrottle;
  /** The server's admin token, which creates instructor accounts. */
  adminToken: string;
  allowedOrigins: string[];
  addressOf: (req: IncomingMessage) => string;
  /** Told the key (`signInKey`) of a sign-in that ended: its streams and terminals close. */
  onSignedOut?: (signIn: string) => void;
}

/**
 * Instructor accounts and sign-in: the admin token creates accounts (`POST /api/instructors`); an
 * instructor signs in (`POST /api/instructor/login`) for a 12-hour session cookie and out again.
 */
export function instructorRoutes(ctx: InstructorRoutesContext): Route[] {
  return [
    {
      method: 'POST',
      pattern: /^\/api\/instructors$/,
      handler: async (req, res) => {
        requireAdminToken(req, ctx.adminToken, 'Creating instructor accounts');
        const body = await readJson(req);
        const created = await ctx.accounts.create(body.username, body.password);
        json(res, 201, created);
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/instructor\/login$/,
      handler: async (req, res) => {
        // Another site's page may not sign this browser in to an account of its choosing.
        requireOwnOrigin(req, ctx.allowedOrigins);
        const body = await readJson(req);
        ctx.throttle.take(ctx.addressOf(req), body.username);
        const instructor = await ctx.accounts.verify(body.username, body.password);
        if (!instructor) throw unauthorized('That username and password do not match an instructor account.');
        addCookie(res, instructorCookie(req, ctx.sessions.start(instructor.id)));
        json(res, 204);
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/instructor\/logout$/,
      handler: async (req, res) => {
        requireOwnOrigin(req, ctx.allowedOrigins);
        const token = readCookie(req, INSTRUCTOR_COOKIE);
        ctx.sessions.end(token);
        if (token) ctx.onSignedOut?.(signInKey(token));
        addCookie(res, instructorCookie(req, undefined));
        json(res, 204);
      },
    },
  ];
}
