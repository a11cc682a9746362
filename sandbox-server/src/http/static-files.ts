import fs from 'node:fs';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { contentSecurityPolicy, pageSecurityHeaders } from './security-headers.ts';

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** The policy of a response that is not a built page (assets, the plain 404): no inline script at all. */
const ASSET_CSP = contentSecurityPolicy();

/** A built page, read once per version of its file, with the policy that allows its own inline scripts. */
interface Page {
  mtimeMs: number;
  size: number;
  body: Buffer;
  csp: string;
}

/** The file at `file` if it is one (not a folder, not missing). */
async function fileStat(file: string): Promise<fs.Stats | undefined> {
  const stat = await fs.promises.stat(file).catch(() => undefined);
  return stat?.isFile() ? stat : undefined;
}

/**
 * Serves the built site; `/x` and `/x/` find `x/index.html`; paths never leave the site folder.
 * Every answer carries the site's security headers; a page's policy lists the sha256 of each of
 * its inline scripts (Astro's island loader among them), computed when the file is first served
 * and again only when the file changes (a rebuild).
 */
export function createStaticFiles(
  root: string,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const pages = new Map<string, Page>();

  const page = async (file: string, stat: fs.Stats): Promise<Page> => {
    const cached = pages.get(file);
    if (cached && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) return cached;
    const body = await fs.promises.readFile(file);
    const fresh = {
      mtimeMs: stat.mtimeMs,
      size: stat.size,
      body,
      csp: contentSecurityPolicy(body.toString('utf8')),
    };
    pages.set(file, fresh);
    return fresh;
  };

  const sendPage = async (
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    file: string,
    stat: fs.Stats,
  ) => {
    const { body, csp } = await page(file, stat);
    res.writeHead(status, {
      'content-type': types['.html'],
      'content-length': body.length,
      'cache-control': 'no-cache',
      ...pageSecurityHeaders(csp),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  return async (req, res) => {
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain', ...pageSecurityHeaders(ASSET_CSP) }).end('Bad path');
      return;
    }
    const resolved = path.resolve(root, '.' + pathname);
    const notFound = async () => {
      const notFoundPage = path.join(root, '404.html');
      const stat = await fileStat(notFoundPage);
      if (stat) return sendPage(req, res, 404, notFoundPage, stat);
      res
        .writeHead(404, { 'content-type': types['.html'], ...pageSecurityHeaders(ASSET_CSP) })
        .end('<h1>Not found</h1>');
    };
    if (resolved !== root && !resolved.startsWith(root + path.sep)) {
      res
        .writeHead(404, { 'content-type': 'text/plain', ...pageSecurityHeaders(ASSET_CSP) })
        .end('Not found');
      return;
    }

    for (const file of [resolved, path.join(resolved, 'index.html'), resolved + '.html']) {
      const stat = await fileStat(file);
      if (!stat) continue;
      if (path.extname(file) === '.html') return sendPage(req, res, 200, file, stat);
      const immutable = file.includes(`${path.sep}_astro${path.sep}`);
      res.writeHead(200, {
        'content-type': types[path.extname(file)] ?? 'application/octet-stream',
        'content-length': stat.size,
        'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
        ...pageSecurityHeaders(ASSET_CSP),
      });
      if (req.method === 'HEAD') res.end();
      else
        fs.createReadStream(file)
          .on('error', () => res.destroy())
          .pipe(res);
      return;
    }
    return notFound();
  };
}
