import crypto from 'node:crypto';
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { ApiError, badRequest, forbidden, notFound, unauthorized } from './api-error.ts';
import { readCookie } from './learner-cookie.ts';
import { SEGMENT, bearerToken, json, type Route } from './http-routing.ts';
import { logger } from './logger.ts';
import type { SandboxRuntime } from './sandbox-runtime.ts';
import { originAllowed } from './server.ts';
import type { SessionManager } from './session-manager.ts';
import type { SessionRecord } from './session-store.ts';

/** `/api/sessions/{id}/preview/{port}{/rest}`: the rest (with its query) goes to the sandbox unchanged. */
const PREVIEW_PATH = /^\/api\/sessions\/([A-Za-z0-9_-]{1,64})\/preview\/(\d{1,5})(\/.*)?$/;
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

/** The learner's request cookies without Dockyard's own, which the learner's app has no business seeing. */
function foreignCookies(header: string | undefined): string | undefined {
  const kept = (header ?? '')
    .split(';')
    .map((c) => c.trim())
    .filter((c) => c && !c.startsWith('dockyard_'));
  return kept.length ? kept.join('; ') : undefined;
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
}

/**
 * The port preview: learners open what listens on a port of their sandbox through the server, as
 * `/api/sessions/{id}/preview/{port}/…`. Only that session's sandbox address is ever dialled; access
 * needs the session's bearer token or its preview cookie (set by `POST …/preview-ticket`).
 */
export function previewFeature(ctx: PreviewContext): {
  routes: Route[];
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
    const given = Buffer.from(ticket);
    const expected = Buffer.from(ticketOf(record));
    if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected))
      throw forbidden('This preview ticket does not open this session.');
    sessions.touch(record);
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
    const address = await runtime.sandboxAddress(id).catch((err: Error) => {
      throw new ApiError(503, 'unavailable', `Your machine is not running: ${err.message}`);
    });
    if (net.isIP(address) === 0) throw new ApiError(503, 'unavailable', 'Your machine has no address yet.');
    addresses.set(id, { address, at: Date.now() });
    return address;
  };

  /** Headers for the sandbox: end-to-end ones only, without Dockyard's credentials. */
  const upstreamHeaders = (req: IncomingMessage, address: string, port: number, id: string) => {
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
    headers['x-forwarded-prefix'] = `${previewPrefix(id)}${port}`;
    return headers;
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
      const address = await sandboxAddress(id);
      await new Promise<void>((resolve) => {
        const upstream = http.request(
          {
            host: address,
            port,
            method: req.method,
            path: rest + search,
            headers: upstreamHeaders(req, address, port, id),
            timeout: UPSTREAM_TIMEOUT_MS,
          },
          (answer) => {
            const headers = { ...answer.headers };
            for (const name of ['connection', 'keep-alive', 'transfer-encoding']) delete headers[name];
            const location = answer.headers.location;
            if (location) headers.location = rewriteLocation(location, address, port, prefix);
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
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      sendError(req, res, err);
    }
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
        res.setHeader(
          'set-cookie',
          `${previewCookieName(record.id)}=${ticketOf(record)}; Path=${previewPrefix(record.id)}; HttpOnly; SameSite=Strict`,
        );
        json(res, 200, { url: previewPrefix(record.id) });
      },
    },
    ...previewRoutes,
  ];

  const handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): boolean => {
    const url = new URL(req.url ?? '/', 'http://x');
    const match = PREVIEW_PATH.exec(url.pathname);
    if (!match) return false;
    const [, id, rawPort, rest] = match as unknown as [string, string, string, string | undefined];
    (async () => {
      if (!originAllowed(req.headers.origin, req.headers.host, ctx.allowedOrigins))
        throw forbidden(`Origin ${req.headers.origin} may not open previews here.`);
      const port = parsePort(rawPort);
      authorize(req, id);
      const address = await sandboxAddress(id);
      const upstream = net.connect(port, address);
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
      upstream.on('connect', () => {
        const headers = upstreamHeaders(req, address, port, id);
        headers.connection = 'Upgrade';
        headers.upgrade = req.headers.upgrade;
        const lines = [`${req.method} ${rest ?? '/'}${url.search} HTTP/1.1`];
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

  return { routes, handleUpgrade };
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
