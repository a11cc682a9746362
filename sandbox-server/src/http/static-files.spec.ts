import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaticFiles } from './static-files.ts';

/** sha256 (base64) of `window.islandLoaded = true;`, as the browser hashes that inline script. */
const ISLAND_HASH = "'sha256-cnE+jf8IwrUHCLy7ge7oXSyje8vNB0RnI8VeBLTtBOQ='";

let root: string;
let server: http.Server;
let base: string;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-site-'));
  fs.mkdirSync(path.join(root, 'lessons', 'volumes'), { recursive: true });
  fs.mkdirSync(path.join(root, '_astro'));
  fs.writeFileSync(
    path.join(root, 'lessons', 'volumes', 'index.html'),
    '<!doctype html><html><head><script type="module" src="/_astro/page.js"></script></head>' +
      '<body><script>window.islandLoaded = true;</script><astro-island></astro-island></body></html>',
  );
  fs.writeFileSync(path.join(root, '_astro', 'page.js'), 'console.log(1);');
  fs.writeFileSync(path.join(root, '404.html'), '<!doctype html><h1>Lost</h1>');
  server = http.createServer((req, res) => void createStaticFiles(root)(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  fs.rmSync(root, { recursive: true, force: true });
});

/** The policy's directives by name. */
function directives(csp: string | null): Record<string, string> {
  return Object.fromEntries(
    (csp ?? '').split(';').map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name, values.join(' ')];
    }),
  );
}

describe('security headers of the built site', () => {
  it("a lesson page allows scripts from 'self' and its own inline scripts by hash, and no other inline script", async () => {
    const res = await fetch(`${base}/lessons/volumes/`);
    expect(res.status).toBe(200);
    const csp = directives(res.headers.get('content-security-policy'));
    expect(csp['script-src']).toBe(`'self' ${ISLAND_HASH}`);
    expect(csp['frame-ancestors']).toBe("'self'");
    expect(csp['object-src']).toBe("'none'");
    // xterm.js and highlighted code set inline styles; styles may be inline, scripts never.
    expect(csp['style-src']).toBe("'self' 'unsafe-inline'");
    expect(res.headers.get('referrer-policy')).toBe('same-origin');
    expect(await res.text()).toContain('<astro-island>');
  });

  it('a rebuilt page gets the hashes of its new scripts, not the old ones', async () => {
    const file = path.join(root, 'lessons', 'volumes', 'index.html');
    const before = fs.readFileSync(file, 'utf8');
    try {
      fs.writeFileSync(file, before.replace('window.islandLoaded = true;', 'window.islandLoaded = 2;'));
      fs.utimesSync(file, new Date(), new Date(Date.now() + 5000));
      const csp = directives((await fetch(`${base}/lessons/volumes`)).headers.get('content-security-policy'));
      expect(csp['script-src']).toMatch(/^'self' 'sha256-[A-Za-z0-9+/]+=*'$/);
      expect(csp['script-src']).not.toContain(ISLAND_HASH);
    } finally {
      fs.writeFileSync(file, before);
      fs.utimesSync(file, new Date(), new Date(Date.now() + 10_000));
    }
  });

  it('assets and the 404 page carry a policy that allows no inline script at all', async () => {
    const asset = await fetch(`${base}/_astro/page.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(directives(asset.headers.get('content-security-policy'))['script-src']).toBe("'self'");

    const missing = await fetch(`${base}/lessons/nowhere`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('Lost');
    expect(directives(missing.headers.get('content-security-policy'))['script-src']).toBe("'self'");
    expect(missing.headers.get('referrer-policy')).toBe('same-origin');
  });

  it('a path that leaves the site folder is not found', async () => {
    const res = await fetch(`${base}/..%2f..%2fetc%2fpasswd`);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('Not found');
  });
});
