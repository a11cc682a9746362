import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { ApiError } from '../http/api-error.ts';
import { json } from '../http/http-routing.ts';
import type { PreviewTarget } from './preview-target.ts';
import type { SandboxAddresses } from './sandbox-addresses.ts';

const UPSTREAM_TIMEOUT_MS = 30_000;
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
export function sendError(req: IncomingMessage, res: ServerResponse, err: ApiError): void {
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

/** Headers for the sandbox: end-to-end ones only, without Dockyard's credentials. */
export function upstreamHeaders(
  req: IncomingMessage,
  address: string,
  { port, prefix }: PreviewTarget,
): IncomingHttpHeaders {
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
}

/** Sends the request on to the app in the sandbox and its answer back. */
export async function forward(
  addresses: SandboxAddresses,
  req: IncomingMessage,
  res: ServerResponse,
  target: PreviewTarget,
): Promise<void> {
  const { id, port, prefix } = target;
  const address = await addresses.of(id);
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
}
