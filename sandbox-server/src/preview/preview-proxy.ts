import crypto from 'node:crypto';
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { ApiError, badRequest, forbidden, notFound, unauthorized } from '../http/api-error.ts';
import { readCookie, secureAttribute } from '../http/learner-cookie.ts';
import { sameSecret } from '../http/same-secret.ts';
import { SEGMENT, bearerToken, json, readJson, type Route } from '../http/http-routing.ts';
import { logger } from '../logger.ts';
import type { SandboxRuntime } from '../runtime/sandbox-runtime.ts';
import { originAllowed } from '../http/server.ts';
import type { SessionManager } from '../sessions/session-manager.ts';
import type { SessionRecord } from '../sessions/session-store.ts';

/** `/api/sessions/{id}/preview/{port}{/rest}`: the rest (with its query) goes to the sandbox unchanged. */
const PREVIEW_PATH = /^\/api\/sessions\/([A-Za-z0-9_-]{1,64})\/preview\/(\d{1,5})(\/.*)?$/;
/** A preview origin's host: `<session>-<port>-<ticket>.<preview domain>`, one origin per session and port. */
const ORIGIN_HOST = /^([0-9a-f]{16})-(\d{1,5})-([0-9a-f]{32})\.([a-z0-9.-]+?)(?::\d+)?$/;
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
const UPSTREAM_TIMEOUT_MS = 30_000;
const ADDRESS_TTL_MS = 10_000;
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'authorization',
  'cookie',
]);

export const previewCookieName = (sessionId: string) => `dockyard_preview_${sessionId}`;
export const previewPrefix = (sessionId: string) => `/api/sessions/${sessionId}/preview/`;

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

/** The learner's request cookies without Dockyard's own, which the learner's app has no business seeing. */
function foreignCookies(header: string | undefined): string | undefined {
  const kept = (header ?? '')
    .split(';')
    .map((c) => c.trim())
    .filter((c) => c && !c.startsWith('dockyard_'));
  return kept.length ? kept.join('; ') : undefined;
}

/**
 * The app's cookies, when it is previewed on Dockyard's own origin (under `prefix`): each is held
 * to the preview's path, loses any Domain, and one named like Dockyard's own (`dockyard_…`) is
 * dropped, so the app can neither overwrite the learner's cookie nor set one for Dockyard's pages.
 */
export function confineCookies(setCookie: string[], prefix: string): string[] {
  const confined: string[] = [];
  for (const cookie of setCookie) {
    const [pair = '', ...attributes] = cookie.split(';').map((part) => part.trim());
    const name = pair.split('=')[0]!.trim();
    if (!name || name.toLowerCase().startsWith('dockyard_')) continue;
    const kept = attributes.filter((a) => !/^(path|domain)\s*=/i.test(a) && a !== '');
    confined.push([pair, ...kept, `Path=${prefix}/`].join('; '));
  }
  return confined;
}

function nothingListening(port: number): string {
  return (
    `Nothing is listening on port ${port} in your machine yet. Start your app with ` +
    `docker run -p ${port}:<port of the app> <image>, then reload the preview.`
  );
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Errors of the proxy: an HTML page for a browser frame, the API's JSON shape for everything else. */
function sendError(req: IncomingMessage, res: ServerResponse, err: ApiError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (/text\/html/.test(req.headers.accept ?? '')) {
    res.writeHead(err.status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(
      `<!doctype html><html lang="en"><meta charset="utf-8"><title>Preview</title>` +
        `<body style="font-family: system-ui, sans-serif; padding: 1rem"><p role="alert">${escapeHtml(err.message)}</p></body></html>`,
    );
    return;
  }
  json(res, err.status, err.toJSON());
}

export interface PreviewContext {
  sessions: SessionManager;
  runtime: SandboxRuntime;
  allowedOrigins: string[];
  /** DOCKYARD_PREVIEW_DOMAIN: `auto`, `off`, or the domain whose subdomains reach this server. */
  domain: string;
}

/** Where a preview request goes: a session's sandbox port, a path there, and the preview's prefix. */
interface PreviewTarget {
  id: string;
  port: number;
  /** Path and query for the app. */
  path: string;
  /** What the app's own absolute paths get in front of them: '' on a preview origin of its own. */
  prefix: string;
}

/**
 * The port preview: learners open what listens on a port of their sandbox through the server. Only
 * that session's sandbox address is ever dialled. Two forms:
 *
 * - a preview origin, `http://<session>-<port>-<ticket>.preview.localhost:8080/` (or under
 *   DOCKYARD_PREVIEW_DOMAIN): the app runs on an origin of its own, so its scripts cannot read the
 *   learner's Dockyard session, and its absolute paths work. The ticket in the name is the access.
 * - the same-origin path `/api/sessions/{id}/preview/{port}/…`, where no preview domain resolves
 *   (a page opened by IP address): access needs the bearer token or the preview cookie.
 */
export function previewFeature(ctx: PreviewContext): {
  routes: Route[];
  handleRequest: (req: IncomingMessage, res: ServerResponse) => boolean;
  handleUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => boolean;
} {
  const { sessions, runtime } = ctx;
  const addresses = new Map<string, { address: string; at: number }>();

  const liveRecord = (id: string): SessionRecord => {
    const record = sessions.record(id);
    if (!record || Date.now() >= sessions.idleExpiresAt(record))
      throw notFound(`There is no session "${id}" (it may have expired).`);
    return record;
  };

  /** The bearer token, else the preview cookie: 404 unknown session, 401 neither given, 403 wrong. */
  const authorize = (req: IncomingMessage, id: string): void => {
    const token = bearerToken(req);
    if (token) {
      sessions.authorize(id, token);
      return;
    }
    const record = liveRecord(id);
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
    if (servedDomain(ctx.domain) !== domain) return undefined;
    const port = parsePort(rawPort);
    const record = liveRecord(id);
    if (!sameSecret(ticket, originTicket(record, port)))
      throw forbidden(
        'This preview address does not open this session. Open the preview from the lesson page.',
      );
    sessions.touch(record);
    return { id, port };
  };

  const parsePort = (raw: string): number => {
    const port = Number(raw);
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw badRequest(`Port ${raw} is not a port: use 1 to 65535.`, 'port');
    return port;
  };

  const sandboxAddress = async (id: string): Promise<string> => {
    const cached = addresses.get(id);
    if (cached && Date.now() - cached.at < ADDRESS_TTL_MS) return cached.address;
    // A machine the learner powered off is started again, as for the terminal.
    const address = await sessions
      .ensureRunning(id)
      .then(() => runtime.sandboxAddress(id))
      .catch((err: Error) => {
        throw new ApiError(503, 'unavailable', `Your machine is not running: ${err.message}`);
      });
    if (net.isIP(address) === 0) throw new ApiError(503, 'unavailable', 'Your machine has no address yet.');
    addresses.set(id, { address, at: Date.now() });
    return address;
  };

  /** Headers for the sandbox: end-to-end ones only, without Dockyard's credentials. */
  const upstreamHeaders = (req: IncomingMessage, address: string, { port, prefix }: PreviewTarget) => {
    const headers: IncomingHttpHeaders = {};
    const connectionTokens = new Set(
      (req.headers.connection ?? '').split(',').map((t) => t.trim().toLowerCase()),
    );
    for (const [name, value] of Object.entries(req.headers)) {
      if (!HOP_BY_HOP.has(name) && !connectionTokens.has(name)) headers[name] = value;
    }
    const cookie = foreignCookies(req.headers.cookie);
    if (cookie) headers.cookie = cookie;
    headers.host = `${address}:${port}`;
    if (req.headers.host) headers['x-forwarded-host'] = req.headers.host;
    headers['x-forwarded-proto'] = 'http';
    if (prefix) headers['x-forwarded-prefix'] = prefix;
    return headers;
  };

  /** Sends the request on to the app in the sandbox and its answer back. */
  const forward = async (req: IncomingMessage, res: ServerResponse, target: PreviewTarget): Promise<void> => {
    const { id, port, prefix } = target;
    const address = await sandboxAddress(id);
    await new Promise<void>((resolve) => {
      const upstream = http.request(
        {
          host: address,
          port,
          method: req.method,
          path: target.path,
          headers: upstreamHeaders(req, address, target),
          timeout: UPSTREAM_TIMEOUT_MS,
        },
        (answer) => {
          const headers = { ...answer.headers };
          for (const name of ['connection', 'keep-alive', 'transfer-encoding']) delete headers[name];
          const location = answer.headers.location;
          if (location) headers.location = rewriteLocation(location, address, port, prefix);
          if (prefix && headers['set-cookie'])
            headers['set-cookie'] = confineCookies(headers['set-cookie'], prefix);
          res.writeHead(answer.statusCode ?? 502, headers);
          answer.pipe(res);
          answer.on('end', resolve);
          answer.on('error', () => {
            res.destroy();
            resolve();
          });
        },
      );
      upstream.on('timeout', () =>
        upstream.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })),
      );
      upstream.on('error', (err: NodeJS.ErrnoException) => {
        const message =
          err.code === 'ECONNREFUSED'
            ? nothingListening(port)
            : `Your machine did not answer on port ${port} (${err.code ?? err.message}). Try Reload in a moment.`;
        sendError(req, res, new ApiError(502, 'bad_gateway', message));
        resolve();
      });
      res.on('close', () => {
        upstream.destroy();
        resolve();
      });
      req.pipe(upstream);
    });
  };

  const proxy = async (req: IncomingMessage, res: ServerResponse, params: string[]): Promise<void> => {
    const [id, rawPort, rest] = params as [string, string, string | undefined];
    try {
      const port = parsePort(rawPort);
      authorize(req, id);
      const prefix = `${previewPrefix(id)}${port}`;
      const search = new URL(req.url ?? '/', 'http://x').search;
      if (rest === undefined) {
        // Relative links of the app resolve against the folder: always serve it with a trailing slash.
        res.writeHead(308, { location: `${prefix}/${search}` }).end();
        return;
      }
      await forward(req, res, { id, port, path: rest + search, prefix });
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      sendError(req, res, err);
    }
  };

  /** Every request on a preview origin goes to its app, whatever the path. */
  const handleRequest = (req: IncomingMessage, res: ServerResponse): boolean => {
    let target: Omit<PreviewTarget, 'path' | 'prefix'> | undefined;
    try {
      target = originTarget(req);
      if (!target) return false;
    } catch (err) {
      sendError(
        req,
        res,
        err instanceof ApiError ? err : new ApiError(500, 'internal', 'The preview failed.'),
      );
      return true;
    }
    forward(req, res, { ...target, path: req.url ?? '/', prefix: '' }).catch((err: unknown) => {
      if (!(err instanceof ApiError)) logger.error({ err }, 'preview failed');
      sendError(
        req,
        res,
        err instanceof ApiError ? err : new ApiError(502, 'bad_gateway', 'The preview failed.'),
      );
    });
    return true;
  };

  const previewRoutes: Route[] = METHODS.map((method) => ({
    method,
    pattern: PREVIEW_PATH,
    handler: proxy,
  }));

  const routes: Route[] = [
    {
      method: 'POST',
      pattern: new RegExp(`^/api/sessions/${SEGMENT}/preview-ticket$`),
      handler: async (req, res, [id]) => {
        const record = sessions.authorize(id!, bearerToken(req));
        const body = await readJson(req);
        const port = body.port === undefined ? undefined : parsePort(String(body.port));
        const domain = previewDomain(ctx.domain, req.headers.host);
        if (port !== undefined && domain) {
          // The page's own scheme and port: the preview origin is served by this server too.
          const scheme = String(req.headers['x-forwarded-proto'] ?? 'http')
            .split(',')[0]!
            .trim();
          const hostPort = /:\d+$/.exec(req.headers.host ?? '')?.[0] ?? '';
          const host = `${record.id}-${port}-${originTicket(record, port)}.${domain}${hostPort}`;
          json(res, 200, { url: `${scheme}://${host}/`, isolated: true });
          return;
        }
        res.setHeader(
          'set-cookie',
          `${previewCookieName(record.id)}=${ticketOf(record)}; Path=${previewPrefix(record.id)}; HttpOnly; SameSite=Strict${secureAttribute(req)}`,
        );
        const prefix = previewPrefix(record.id);
        json(res, 200, { url: port === undefined ? prefix : `${prefix}${port}/`, isolated: false });
      },
    },
    ...previewRoutes,
  ];

  /** The preview a WebSocket upgrade is for (authorized), or undefined when it is not for one. */
  const upgradeTarget = (req: IncomingMessage): (() => PreviewTarget) | undefined => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (ORIGIN_HOST.test((req.headers.host ?? '').toLowerCase())) {
      return () => {
        // Only the preview origin's own pages may open its sockets.
        if (!originAllowed(req.headers.origin, req.headers.host, []))
          throw forbidden(`Origin ${req.headers.origin} may not open this preview's sockets.`);
        const target = originTarget(req);
        if (!target) throw notFound('There is no such preview.');
        return { ...target, path: req.url ?? '/', prefix: '' };
      };
    }
    const match = PREVIEW_PATH.exec(url.pathname);
    if (!match) return undefined;
    const [, id, rawPort, rest] = match as unknown as [string, string, string, string | undefined];
    return () => {
      if (!originAllowed(req.headers.origin, req.headers.host, ctx.allowedOrigins))
        throw forbidden(`Origin ${req.headers.origin} may not open previews here.`);
      const port = parsePort(rawPort);
      authorize(req, id);
      return { id, port, path: `${rest ?? '/'}${url.search}`, prefix: `${previewPrefix(id)}${port}` };
    };
  };

  const handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): boolean => {
    const resolveTarget = upgradeTarget(req);
    if (!resolveTarget) return false;
    (async () => {
      const target = resolveTarget();
      const { id, port } = target;
      const address = await sandboxAddress(id);
      const upstream = net.connect(port, address);
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
      upstream.on('connect', () => {
        const headers = upstreamHeaders(req, address, target);
        headers.connection = 'Upgrade';
        headers.upgrade = req.headers.upgrade;
        const lines = [`${req.method} ${target.path} HTTP/1.1`];
        for (const [name, value] of Object.entries(headers)) {
          for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value])
            lines.push(`${name}: ${v.replace(/[\r\n]/g, '')}`);
        }
        upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
        if (head.length) upstream.write(head);
        upstream.pipe(socket);
        socket.pipe(upstream);
      });
    })().catch((err: unknown) => {
      const apiError =
        err instanceof ApiError ? err : new ApiError(502, 'bad_gateway', 'The preview failed.');
      if (!(err instanceof ApiError)) logger.error({ err }, 'preview upgrade failed');
      const body = JSON.stringify(apiError.toJSON());
      socket.end(
        `HTTP/1.1 ${apiError.status} ${http.STATUS_CODES[apiError.status]}\r\ncontent-type: application/json\r\n` +
          `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
    });
    return true;
  };

  return { routes, handleRequest, handleUpgrade };
}

/** Keeps the app's redirects inside the preview: `/x` and `http://<sandbox>:<port>/x` become `<prefix>/x`. */
export function rewriteLocation(location: string, address: string, port: number, prefix: string): string {
  if (location.startsWith('/') && !location.startsWith('//')) return prefix + location;
  try {
    const url = new URL(location);
    if (url.hostname === address && Number(url.port || 80) === port)
      return prefix + url.pathname + url.search + url.hash;
  } catch {
    // A relative location without a leading slash already resolves inside the preview.
  }
  return location;
}
