import crypto from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { forbidden, unauthorized } from '../http/api-error.ts';
import { readCookie, secureAttribute } from '../http/learner-cookie.ts';
import { bearerToken } from '../http/http-routing.ts';
import { sameSecret } from '../http/same-secret.ts';
import type { SessionManager } from '../sessions/session-manager.ts';
import type { SessionRecord } from '../sessions/session-store.ts';
import { ORIGIN_HOST, parsePort, previewPrefix, type PreviewTarget } from './preview-target.ts';

export const previewCookieName = (sessionId: string) => `dockyard_preview_${sessionId}`;

/**
 * The preview ticket of a session: an HMAC keyed by the stored hash of its token, so it is bound to
 * the session, needs no state and outlives a restart of the server. It grants no more than the token.
 */
function ticketOf(record: SessionRecord): string {
  return crypto
    .createHmac('sha256', Buffer.from(record.tokenHash, 'hex'))
    .update(`dockyard-preview:${record.id}`)
    .digest('base64url');
}

/**
 * The ticket of a preview origin, written into its host name: an HMAC of the session and port keyed
 * by the stored hash of the session's token (128 bits, hex, since host names ignore case).
 */
export function originTicket(record: SessionRecord, port: number): string {
  return crypto
    .createHmac('sha256', Buffer.from(record.tokenHash, 'hex'))
    .update(`dockyard-preview-origin:${record.id}:${port}`)
    .digest('hex')
    .slice(0, 32);
}

/**
 * The domain under which a request's previews get origins of their own, or undefined for
 * same-origin previews under /api/. `auto` gives `preview.localhost` to a page opened on localhost
 * (browsers resolve every *.localhost name to the machine itself) and nothing elsewhere.
 */
export function previewDomain(setting: string, requestHost: string | undefined): string | undefined {
  if (setting !== 'auto') return servedDomain(setting);
  const hostname = (requestHost ?? '').replace(/:\d+$/, '').toLowerCase();
  return hostname === 'localhost' || hostname.endsWith('.localhost') ? servedDomain(setting) : undefined;
}

/** The domain whose preview origins this server answers, whatever page asked for them. */
const servedDomain = (setting: string): string | undefined =>
  setting === 'off' ? undefined : setting === 'auto' ? 'preview.localhost' : setting;

/** The address of a preview origin for the session's port, on the page's own scheme and port. */
export function previewOriginUrl(
  req: IncomingMessage,
  record: SessionRecord,
  port: number,
  domain: string,
): string {
  // The page's own scheme and port: the preview origin is served by this server too.
  const scheme = String(req.headers['x-forwarded-proto'] ?? 'http')
    .split(',')[0]!
    .trim();
  const hostPort = /:\d+$/.exec(req.headers.host ?? '')?.[0] ?? '';
  const host = `${record.id}-${port}-${originTicket(record, port)}.${domain}${hostPort}`;
  return `${scheme}://${host}/`;
}

/** The Set-Cookie that lets a browser frame open the session's same-origin previews. */
export function previewCookie(req: IncomingMessage, record: SessionRecord): string {
  return `${previewCookieName(record.id)}=${ticketOf(record)}; Path=${previewPrefix(record.id)}; HttpOnly; SameSite=Strict${secureAttribute(req)}`;
}

/**
 * Who may open a session's previews: on Dockyard's origin the bearer token or the preview cookie,
 * on a preview origin the ticket in its host name.
 */
export function previewAccess(sessions: SessionManager, domainSetting: string) {
  /** The bearer token, else the preview cookie: 404 unknown session, 401 neither given, 403 wrong. */
  const authorize = (req: IncomingMessage, id: string): void => {
    const token = bearerToken(req);
    if (token) {
      sessions.authorize(id, token);
      return;
    }
    const record = sessions.requireLive(id);
    const ticket = readCookie(req, previewCookieName(id));
    if (!ticket) throw unauthorized('Open the preview from the lesson page (its "Open preview" button).');
    if (!sameSecret(ticket, ticketOf(record)))
      throw forbidden('This preview ticket does not open this session.');
    sessions.touch(record);
  };

  /** The preview origin a Host names, authorized by the ticket in it; undefined when it names none. */
  const originTarget = (req: IncomingMessage): Omit<PreviewTarget, 'path' | 'prefix'> | undefined => {
    const match = ORIGIN_HOST.exec((req.headers.host ?? '').toLowerCase());
    if (!match) return undefined;
    const [, id, rawPort, ticket, domain] = match as unknown as [string, string, string, string, string];
    if (servedDomain(domainSetting) !== domain) return undefined;
    const port = parsePort(rawPort);
    const record = sessions.requireLive(id);
    if (!sameSecret(ticket, originTicket(record, port)))
      throw forbidden(
        'This preview address does not open this session. Open the preview from the lesson page.',
      );
    sessions.touch(record);
    return { id, port };
  };

  return { authorize, originTarget };
}

export type PreviewAccess = ReturnType<typeof previewAccess>;
