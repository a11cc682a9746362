import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { logger } from '../logger.ts';
import {
  grant,
  HUB_SERVICE,
  parseScope,
  signToken,
  TOKEN_LIFETIME_SECONDS,
  type Access,
  type Principal,
} from './registry-token.ts';

export interface HubFrontOptions {
  port: number;
  cert: string;
  key: string;
  tokenKey: import('node:crypto').KeyObject;
  /** The registry behind the front (plain HTTP on loopback). */
  registryPort: number;
  /**
   * Online mode: the pull-through mirror's port, and which repositories it serves (those neither in
   * the lab's library nor in a learner's namespace).
   */
  mirror?: { port: number; serves: (repository: string) => boolean };
  /**
   * Learners' hub space: `refusal` says why an upload into a namespace may not start (undefined
   * lets it go on); `changed` hears of every completed push.
   */
  uploads?: {
    refusal: (namespace: string) => Promise<string | undefined>;
    changed: (namespace: string) => void;
  };
  /** What to tell a client whose image or tag the lab registry does not have (instead of "manifest unknown"). */
  missingImageHint?: (repository: string, reference: string) => string | undefined;
  /**
   * Repositories refused whatever the request, with the reason (docker/dockerfile, which BuildKit
   * pulls for a `# syntax=` line). The reason goes in the body and in the status line: BuildKit
   * resolves an image with HEAD, so the status line is all of the answer it prints.
   */
  refusedRepository?: (repository: string) => string | undefined;
  /** The lab's own images outside library/ (docker/dockerfile): everyone may pull them. */
  published?: (repository: string) => boolean;
  /** Checks hub credentials; returns the username when they are right. */
  verify: (username: string, password: string) => string | undefined;
}

const MAX_TOKEN_QUERY = 8 * 1024;

function registryError(
  res: http.ServerResponse,
  status: number,
  code: string,
  message: string,
  reason?: string,
): void {
  const headers = { 'content-type': 'application/json' };
  if (reason) res.writeHead(status, reason, headers);
  else res.writeHead(status, headers);
  res.end(JSON.stringify({ errors: [{ code, message }] }));
}

/** A reason phrase for a status line: printable ASCII on one line (Node refuses anything else). */
export function statusLine(reason: string): string {
  return reason.replace(/[^\x20-\x7e]+/g, ' ').trim();
}

/** Decodes `Authorization: Basic …`; undefined when absent, null when malformed. */
function basicCredentials(
  header: string | undefined,
): { username: string; password: string } | undefined | null {
  if (!header) return undefined;
  const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header);
  if (!m) return null;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * The lab hub as sandboxes see it: HTTPS on Docker Hub's own names (the lab CA is trusted inside
 * sandboxes). `auth.docker.io/token` issues registry tokens for learners' hub accounts; every
 * other request goes to the distribution registry, which checks those tokens.
 */
export function startHubFront(options: HubFrontOptions): Promise<https.Server> {
  const token = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => {
    if ((req.url ?? '').length > MAX_TOKEN_QUERY) {
      return registryError(res, 414, 'DENIED', 'The token request is too long.');
    }
    const service = url.searchParams.get('service');
    if (service && service !== HUB_SERVICE) {
      return registryError(
        res,
        400,
        'UNSUPPORTED',
        `Unknown service "${service}"; this hub is ${HUB_SERVICE}.`,
      );
    }
    const credentials = basicCredentials(req.headers.authorization);
    if (credentials === null)
      return registryError(res, 400, 'UNAUTHORIZED', 'Malformed Basic authorization header.');
    let principal: Principal = { kind: 'anonymous' };
    if (credentials) {
      const username = options.verify(credentials.username, credentials.password);
      if (!username) {
        logger.info({ username: credentials.username }, 'hub login refused');
        return registryError(res, 401, 'UNAUTHORIZED', 'incorrect username or password');
      }
      principal = { kind: 'learner', username };
    }
    const granted: Access[] = [];
    for (const scope of url.searchParams
      .getAll('scope')
      .flatMap((s) => s.split(' '))
      .filter(Boolean)) {
      const wanted = parseScope(scope);
      if ('error' in wanted) return registryError(res, 400, 'INVALID_SCOPE', wanted.error);
      const allowed = grant(
        principal,
        wanted,
        (repository) => !!options.published?.(repository) || !!options.mirror?.serves(repository),
      );
      if (allowed) granted.push(allowed);
    }
    const subject = principal.kind === 'learner' ? principal.username : '';
    const jwt = signToken(options.tokenKey, subject, granted);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        token: jwt,
        access_token: jwt,
        expires_in: TOKEN_LIFETIME_SECONDS,
        issued_at: new Date().toISOString(),
      }),
    );
  };

  /** The registry that holds a request's repository: the lab's own, or the mirror in online mode. */
  const backendPort = (pathname: string): number => {
    const repository = /^\/v2\/(.+?)\/(?:manifests|blobs|tags)\//.exec(pathname)?.[1];
    return options.mirror && repository && options.mirror.serves(repository)
      ? options.mirror.port
      : options.registryPort;
  };

  /** Refuses the start of a blob upload into a namespace that has no room left. */
  const uploadRefused = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
  ): Promise<boolean> => {
    const repository = /^\/v2\/(.+?)\/blobs\/uploads\/?$/.exec(url.pathname)?.[1];
    if (!options.uploads || req.method !== 'POST' || !repository) return false;
    const refusal = await options.uploads.refusal(repository.split('/')[0]!);
    if (!refusal) return false;
    req.resume();
    registryError(res, 403, 'DENIED', refusal);
    return true;
  };

  /** Answers 403 for a refused repository (not one the online mode's mirror serves). */
  const repositoryRefused = (req: http.IncomingMessage, res: http.ServerResponse, url: URL): boolean => {
    const repository = /^\/v2\/(.+?)\/(?:manifests|blobs|tags)\//.exec(url.pathname)?.[1];
    if (!repository || options.mirror?.serves(repository)) return false;
    const reason = options.refusedRepository?.(repository);
    if (!reason) return false;
    req.resume();
    registryError(res, 403, 'DENIED', reason, statusLine(reason));
    return true;
  };

  const proxy = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => {
    if (repositoryRefused(req, res, url)) return;
    if (await uploadRefused(req, res, url)) return;
    const manifest = /^\/v2\/(.+?)\/manifests\/([^/]+)$/.exec(url.pathname);
    const pushed = req.method === 'PUT' ? manifest?.[1] : undefined;
    const port = backendPort(url.pathname);
    const upstream = http.request(
      {
        host: '127.0.0.1',
        port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, 'x-forwarded-proto': 'https' },
      },
      (answer) => {
        if (pushed && (answer.statusCode ?? 0) < 300) options.uploads?.changed(pushed.split('/')[0]!);
        const hint =
          manifest && req.method === 'GET' && answer.statusCode === 404 && port === options.registryPort
            ? options.missingImageHint?.(manifest[1]!, manifest[2]!)
            : undefined;
        if (hint) {
          answer.resume();
          return registryError(res, 404, 'MANIFEST_UNKNOWN', hint);
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (err) => {
      logger.error({ err }, 'the hub registry did not answer');
      if (!res.headersSent) registryError(res, 503, 'UNAVAILABLE', 'The lab hub registry is not running.');
      else res.destroy();
    });
    req.pipe(upstream);
  };

  const server = https.createServer({ cert: options.cert, key: options.key }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://x');
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    if (host === 'auth.docker.io' || url.pathname === '/token') {
      if (url.pathname !== '/token' || req.method !== 'GET')
        return registryError(res, 404, 'NOT_FOUND', 'Only GET /token is served here.');
      return token(req, res, url);
    }
    proxy(req, res, url).catch((err: unknown) => {
      logger.error({ err }, 'the hub front failed on a request');
      if (!res.headersSent) registryError(res, 503, 'UNAVAILABLE', 'The lab hub could not answer.');
      else res.destroy();
    });
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    const status =
      err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    else socket.destroy();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '0.0.0.0', () => {
      logger.info({ port: (server.address() as AddressInfo).port }, 'hub front up');
      resolve(server);
    });
  });
}

/**
 * Serves the hub front, sharing the port with another Dockyard server on this host: while the port
 * is taken, it tries again every few seconds and takes over when the other server stops.
 */
export function keepHubFront(options: HubFrontOptions): { close: () => void } {
  let server: https.Server | undefined;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  const attempt = () => {
    startHubFront(options).then(
      (s) => {
        if (closed) s.close();
        else server = s;
      },
      (err: NodeJS.ErrnoException) => {
        if (err.code !== 'EADDRINUSE') logger.error({ err }, 'the hub front could not start');
        if (!closed) timer = setTimeout(attempt, 3000);
      },
    );
  };
  attempt();
  return {
    close: () => {
      closed = true;
      if (timer) clearTimeout(timer);
      server?.close();
    },
  };
}
