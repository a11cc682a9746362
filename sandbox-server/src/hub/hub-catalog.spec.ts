import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HubCatalog, nextCatalogPage } from './hub-catalog.ts';

const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });

/** 2,500 repositories, in the registry's (lexical) order. */
const REPOSITORIES = Array.from({ length: 2500 }, (_, i) => `learner${String(i).padStart(4, '0')}/app`);

let registry: http.Server | undefined;

afterEach(async () => {
  const server = registry;
  registry = undefined;
  if (!server) return;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/**
 * A registry's `_catalog` as the CNCF distribution answers it: at most 1,000 names a page, after
 * `last`, with a `Link: <…>; rel="next"` while there are more (or, `withLink: false`, without one).
 */
async function fakeRegistry(withLink = true): Promise<{ port: number; asked: string[] }> {
  const asked: string[] = [];
  registry = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://registry');
    asked.push(url.pathname + url.search);
    if (!req.headers.authorization) return void res.writeHead(401).end();
    // Every repository has one tag, v1: a config of 10 bytes and a layer of 20.
    if (/^\/v2\/[^_].*\/tags\/list$/.test(url.pathname))
      return void res.end(JSON.stringify({ tags: ['v1'] }));
    if (/^\/v2\/[^_].*\/manifests\/v1$/.test(url.pathname)) {
      const config = { size: 10, digest: 'sha256:c' };
      const layers = [{ size: 20, digest: `sha256:${url.pathname.split('/')[2]}` }];
      return void res
        .writeHead(200, { 'docker-content-digest': 'sha256:m' })
        .end(JSON.stringify({ config, layers }));
    }
    if (url.pathname !== '/v2/_catalog') return void res.writeHead(404).end();
    const n = Math.min(Number(url.searchParams.get('n') ?? 100), 1000);
    const last = url.searchParams.get('last');
    const from = last === null ? 0 : REPOSITORIES.indexOf(last) + 1;
    const page = REPOSITORIES.slice(from, from + n);
    const more = from + n < REPOSITORIES.length;
    res.writeHead(200, {
      'content-type': 'application/json',
      ...(withLink && more
        ? { link: `</v2/_catalog?last=${encodeURIComponent(page.at(-1)!)}&n=${n}>; rel="next"` }
        : {}),
    });
    res.end(JSON.stringify({ repositories: page }));
  });
  await new Promise<void>((resolve) => registry!.listen(0, '127.0.0.1', resolve));
  return { port: (registry.address() as AddressInfo).port, asked };
}

describe('the hub catalogue', () => {
  it('follows the registry pages past 1,000 repositories, by its Link header', async () => {
    const { port, asked } = await fakeRegistry();
    const names = await new HubCatalog(port, '/nowhere', privateKey).repositoryNames();
    expect(names).toEqual(REPOSITORIES);
    expect(asked).toEqual([
      '/v2/_catalog?n=1000',
      '/v2/_catalog?last=learner0999%2Fapp&n=1000',
      '/v2/_catalog?last=learner1999%2Fapp&n=1000',
    ]);
  });

  it('follows `last=` itself from a registry that sends no Link, until a page is not full', async () => {
    const { port } = await fakeRegistry(false);
    const names = await new HubCatalog(port, '/nowhere', privateKey).repositoryNames();
    expect(names).toEqual(REPOSITORIES);
  });

  it("finds a namespace's repositories, and counts its space, on a later page", async () => {
    const { port } = await fakeRegistry();
    const catalog = new HubCatalog(port, '/nowhere', privateKey);
    expect(await catalog.namespace('learner2400')).toEqual([
      { name: 'learner2400/app', tags: [{ tag: 'v1', sizeBytes: 30, pushedAt: '' }] },
    ]);
    // The quota sees what a learner listed after the first 1,000 repositories holds.
    expect(await catalog.usage('learner2400')).toBe(30);
  });
});

describe('the next catalogue page', () => {
  it('is the path of the Link header, whatever host it names', () => {
    expect(nextCatalogPage('<http://elsewhere/v2/_catalog?last=a%2Fb&n=2>; rel="next"', ['a/b'], 2)).toBe(
      '/v2/_catalog?last=a%2Fb&n=2',
    );
  });

  it('is none after a last page', () => {
    expect(nextCatalogPage(null, ['a/b'], 2)).toBeUndefined();
    expect(nextCatalogPage('<https://x/other>; rel="prev"', ['a/b', 'c/d'], 2)).toBeUndefined();
  });
});
