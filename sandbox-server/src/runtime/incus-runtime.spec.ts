import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { IncusApi } from './incus-runtime.ts';

/** A stand-in for incusd on a unix socket: starts one operation, finishes it only on /wait. */
async function fakeIncus(operation: string): Promise<{ socket: string; seen: string[]; close: () => void }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'incus-api-'));
  const socket = path.join(dir, 'unix.socket');
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const url = new URL(req.url ?? '', 'http://incus');
    const answer =
      req.method === 'POST'
        ? { type: 'async', operation, metadata: {} }
        : { type: 'sync', metadata: { status: url.pathname.endsWith('/wait') ? 'Success' : 'Running' } };
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(answer));
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return { socket, seen, close: () => (server.close(), fs.rmSync(dir, { recursive: true, force: true })) };
}

describe('IncusApi.operate', () => {
  let close = () => {};
  afterEach(() => close());

  it('waits on the operation', async () => {
    const fake = await fakeIncus('/1.0/operations/abc');
    close = fake.close;
    await new IncusApi(fake.socket).operate('POST', '/1.0/instances', {});
    expect(fake.seen[1]).toBe('GET /1.0/operations/abc/wait?timeout=120');
  });

  it("waits on an operation whose URL has a query, as a cluster member's forwarded one has", async () => {
    // Incus answers `POST /1.0/instances?target=m2` with /1.0/operations/<id>?project=default: a
    // "/wait" added after the query was a plain GET that answered "Running" at once.
    const fake = await fakeIncus('/1.0/operations/abc?project=default');
    close = fake.close;
    await new IncusApi(fake.socket).operate('POST', '/1.0/instances?target=m2', {});
    expect(fake.seen[1]).toBe('GET /1.0/operations/abc/wait?project=default&timeout=120');
  });
});
