import { mkdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../database.ts';
import { createRouter } from '../http/http-routing.ts';
import { FakeRuntime } from '../sessions/fake-runtime.ts';
import { SessionManager } from '../sessions/session-manager.ts';
import { SessionStore } from '../sessions/session-store.ts';
import { shellMachine } from './file-fixtures.ts';
import { BINARY_REASON, fileRoutes } from './file-routes.ts';
import { MAX_FILE_BYTES } from './file-paths.ts';
import { callServer } from '../http/http-calls.ts';

// The file routes through the real router and session tokens, on a fake runtime whose commands run
// in this host's shell with a temporary folder as the learner's home (see shellMachine).
const machine = shellMachine();
const runtime = new FakeRuntime();
let server: http.Server;
let base = '';
let sessions: SessionManager;
let session: { id: string; token: string };
let other: { id: string; token: string };

beforeAll(async () => {
  runtime.answer = machine.answer;
  sessions = new SessionManager(new SessionStore(openDatabase(':memory:')), runtime, {
    ttlMs: 3600_000,
    idleMs: 600_000,
    maxSessions: 10,
    limits: { memoryBytes: 1, nanoCpus: 1, pidsLimit: 1, diskBytes: 1 },
    readyTimeoutMs: 1000,
  });
  const router = createRouter(fileRoutes(sessions, { home: machine.home }));
  server = http.createServer((req, res) => void router(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const a = await sessions.create(null, 'a'.repeat(32));
  const b = await sessions.create(null, 'b'.repeat(32));
  session = { id: a.record.id, token: a.token };
  other = { id: b.record.id, token: b.token };
});
afterAll(async () => {
  machine.remove();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  rmSync(machine.home, { recursive: true, force: true });
  mkdirSync(machine.home, { recursive: true });
  machine.scripts.length = 0;
});

const call = (method: string, path: string, body?: unknown, token: string | null = session.token) =>
  callServer(base, method, path, body, token ? { authorization: `Bearer ${token}` } : {});
const list = (path?: string, token?: string | null) =>
  call(
    'GET',
    `/api/sessions/${session.id}/files${path === undefined ? '' : `?path=${encodeURIComponent(path)}`}`,
    undefined,
    token,
  );
const open = (path: string, token?: string | null) =>
  call('GET', `/api/sessions/${session.id}/files/content?path=${encodeURIComponent(path)}`, undefined, token);
const save = (body: Record<string, unknown>, token?: string | null) =>
  call('PUT', `/api/sessions/${session.id}/files/content`, body, token);
const inHome = (path: string) => join(machine.home, path);

describe('the file routes and the session token', () => {
  it("answer 401 without a token, 403 with another session's, 404 for no session", async () => {
    writeFileSync(inHome('a.txt'), 'hi');
    for (const request of [
      () => list(undefined, null),
      () => open('a.txt', null),
      () => save({ path: 'a.txt', content: 'x' }, null),
    ])
      expect((await request()).status).toBe(401);
    for (const request of [
      () => list(undefined, other.token),
      () => open('a.txt', other.token),
      () => save({ path: 'a.txt', content: 'x' }, other.token),
    ])
      expect((await request()).status).toBe(403);
    expect((await call('GET', '/api/sessions/nosuch/files')).status).toBe(404);
    expect(readFileSync(inHome('a.txt'), 'utf8')).toBe('hi');
    expect(machine.scripts).toEqual([]);
  });
});

describe('listing a folder', () => {
  it('lists home by default, folders first then by name, with types and sizes', async () => {
    writeFileSync(inHome('b.txt'), 'four');
    writeFileSync(inHome('A.md'), '');
    mkdirSync(inHome('zdir'));
    mkdirSync(inHome('app'));
    symlinkSync('b.txt', inHome('link'));
    const answer = await list();
    expect(answer.status).toBe(200);
    expect(answer.body.path).toBe(machine.home);
    expect(answer.body.entries.map((e: { name: string; type: string }) => [e.name, e.type])).toEqual([
      ['app', 'dir'],
      ['zdir', 'dir'],
      ['A.md', 'file'],
      ['b.txt', 'file'],
      ['link', 'symlink'],
    ]);
    expect(answer.body.entries.find((e: { name: string }) => e.name === 'b.txt').size).toBe(4);
  });

  it('lists a subfolder, and keeps odd names whole', async () => {
    mkdirSync(inHome('my app'));
    writeFileSync(inHome(`my app/it's $(echo) \ttab`), '');
    const answer = await list('my app');
    expect(answer.body).toEqual({
      path: `${machine.home}/my app`,
      entries: [{ name: `it's $(echo) \ttab`, type: 'file', size: 0 }],
    });
  });

  it('says so for a missing folder or a file', async () => {
    writeFileSync(inHome('f'), '');
    expect(await list('nope')).toMatchObject({ status: 404, body: { error: { code: 'file_not_found' } } });
    expect(await list('f')).toMatchObject({
      status: 400,
      body: { error: { message: expect.stringMatching(/not a folder/) } },
    });
  });
});

describe('paths that leave home', () => {
  it('are refused before anything runs: "..", absolute elsewhere, NUL', async () => {
    for (const path of ['../outside', '/etc', 'a/../../x', 'a\0b']) {
      expect((await open(path)).status).toBe(400);
      expect((await list(path)).status).toBe(400);
      expect((await save({ path, content: 'x' })).status).toBe(400);
    }
    expect(machine.scripts).toEqual([]);
  });

  it('are refused by the machine through a symlink, to a file or a folder, for reading and writing', async () => {
    writeFileSync(join(machine.outside, 'secret'), 'secret');
    symlinkSync(join(machine.outside, 'secret'), inHome('to-secret'));
    symlinkSync(machine.outside, inHome('out'));
    for (const answer of [await open('to-secret'), await open('out/secret'), await list('out')]) {
      expect(answer).toMatchObject({
        status: 400,
        body: { error: { message: expect.stringMatching(/outside your home/) } },
      });
    }
    expect((await save({ path: 'to-secret', content: 'pwned' })).status).toBe(400);
    expect((await save({ path: 'out/new', content: 'pwned' })).status).toBe(400);
    expect(readFileSync(join(machine.outside, 'secret'), 'utf8')).toBe('secret');
    expect(() => statSync(join(machine.outside, 'new'))).toThrow();
  });

  it('never put the path in the shell source', async () => {
    const path = `x'; touch owned; echo "$(touch owned)`;
    expect((await save({ path, content: 'x' })).status).toBe(200);
    expect((await open(path)).body.content).toBe('x');
    expect(() => statSync(inHome('owned'))).toThrow();
    expect(machine.scripts.join('\n')).not.toContain('owned');
    expect(readFileSync(inHome(path), 'utf8')).toBe('x');
  });

  it('follow a symlink that stays in home', async () => {
    mkdirSync(inHome('app'));
    writeFileSync(inHome('app/a.txt'), 'inside');
    symlinkSync(inHome('app'), inHome('alias'));
    expect((await open('alias/a.txt')).body.content).toBe('inside');
  });
});

describe('opening a file', () => {
  it('answers its text, size and mtime', async () => {
    writeFileSync(inHome('Dockerfile'), 'FROM debian\n');
    const answer = await open('Dockerfile');
    expect(answer).toMatchObject({
      status: 200,
      body: {
        path: inHome('Dockerfile'),
        content: 'FROM debian\n',
        size: 12,
        mtime: expect.stringMatching(/^\d+(\.\d+)?$/),
      },
    });
    expect(answer.body.readOnly).toBeUndefined();
  });

  it('keeps text over several reads whole (between 512 KiB and 1 MiB)', async () => {
    const text = 'é'.repeat(400 * 1024); // 800 KiB, a character cut at the first piece's end
    writeFileSync(inHome('big.txt'), text);
    const answer = await open('big.txt');
    expect(answer.body.content).toBe(text);
    expect(answer.body.readOnly).toBeUndefined();
  });

  it('opens a file over 1 MiB read-only, saying so', async () => {
    writeFileSync(inHome('huge.log'), 'a'.repeat(MAX_FILE_BYTES + 10));
    const answer = await open('huge.log');
    expect(answer.body).toMatchObject({
      readOnly: true,
      size: MAX_FILE_BYTES + 10,
      reason: expect.stringMatching(/over 1 MiB/),
    });
    expect(answer.body.content.length).toBe(MAX_FILE_BYTES);
  });

  it('opens binary files (NUL bytes, or not UTF-8) read-only, without their bytes', async () => {
    writeFileSync(inHome('nul.bin'), Buffer.from([0x41, 0x00, 0x42]));
    writeFileSync(inHome('latin1.txt'), Buffer.from([0x63, 0x61, 0x66, 0xe9]));
    for (const path of ['nul.bin', 'latin1.txt'])
      expect((await open(path)).body).toMatchObject({ content: '', readOnly: true, reason: BINARY_REASON });
  });

  it('says so for a missing file or a folder', async () => {
    mkdirSync(inHome('dir'));
    expect((await open('nope')).status).toBe(404);
    expect((await open('dir')).status).toBe(400);
    expect((await call('GET', `/api/sessions/${session.id}/files/content`)).status).toBe(400);
  });
});

describe('saving a file', () => {
  it('writes the text and answers the new size and mtime, which a next open agrees with', async () => {
    writeFileSync(inHome('app.py'), 'print(1)\n');
    const opened = await open('app.py');
    const saved = await save({ path: 'app.py', content: 'print("é")\n', expectedMtime: opened.body.mtime });
    expect(saved).toMatchObject({ status: 200, body: { path: inHome('app.py'), size: 12 } });
    expect(readFileSync(inHome('app.py'), 'utf8')).toBe('print("é")\n');
    expect((await open('app.py')).body.mtime).toBe(saved.body.mtime);
  });

  it('creates a new file in an existing folder, and says so when the folder is missing', async () => {
    expect((await save({ path: 'new.yaml', content: 'a: 1\n' })).status).toBe(200);
    expect(readFileSync(inHome('new.yaml'), 'utf8')).toBe('a: 1\n');
    expect(await save({ path: 'no/such/dir.txt', content: '' })).toMatchObject({
      status: 404,
      body: { error: { message: expect.stringMatching(/mkdir -p/) } },
    });
  });

  it('writes a large file in pieces, every byte in place', async () => {
    const text = Array.from({ length: 30_000 }, (_, i) => `line ${i} — ✓\n`)
      .join('')
      .slice(0, MAX_FILE_BYTES - 100);
    expect((await save({ path: 'large.txt', content: text })).status).toBe(200);
    expect(readFileSync(inHome('large.txt'), 'utf8')).toBe(text);
    expect(machine.scripts.length).toBeGreaterThan(2);
  });

  it('refuses content over 1 MiB with 413 naming the limit, and content with NUL bytes with 400', async () => {
    const over = await save({ path: 'x.txt', content: 'a'.repeat(MAX_FILE_BYTES + 1) });
    expect(over).toMatchObject({ status: 413, body: { error: { message: expect.stringMatching(/1 MiB/) } } });
    expect(await save({ path: 'x.txt', content: 'a\0b' })).toMatchObject({
      status: 400,
      body: { error: { field: 'content' } },
    });
    expect(await save({ path: 'x.txt' })).toMatchObject({
      status: 400,
      body: { error: { field: 'content' } },
    });
    expect(() => statSync(inHome('x.txt'))).toThrow();
  });

  it('refuses a body far over the limit with the same sentence', async () => {
    const answer = await call('PUT', `/api/sessions/${session.id}/files/content`, {
      path: 'x',
      content: '\u0001'.repeat(MAX_FILE_BYTES * 2),
    });
    expect(answer).toMatchObject({ status: 413, body: { error: { code: 'file_too_large' } } });
  });

  it('answers 409 when the file was changed in the terminal since it was opened, and keeps that version', async () => {
    writeFileSync(inHome('c.txt'), 'one');
    const opened = await open('c.txt');
    writeFileSync(inHome('c.txt'), 'two from the terminal');
    utimesSync(inHome('c.txt'), new Date(), new Date(Date.now() + 5000));
    expect(await save({ path: 'c.txt', content: 'mine', expectedMtime: opened.body.mtime })).toMatchObject({
      status: 409,
      body: { error: { code: 'file_changed' } },
    });
    expect(readFileSync(inHome('c.txt'), 'utf8')).toBe('two from the terminal');
    // Saving again without the mtime keeps the editor's version.
    expect((await save({ path: 'c.txt', content: 'mine' })).status).toBe(200);
    expect(readFileSync(inHome('c.txt'), 'utf8')).toBe('mine');
  });

  it('answers 409 when the file was deleted since it was opened; a save without mtime makes it again', async () => {
    writeFileSync(inHome('d.txt'), 'one');
    const opened = await open('d.txt');
    rmSync(inHome('d.txt'));
    expect(await save({ path: 'd.txt', content: 'back', expectedMtime: opened.body.mtime })).toMatchObject({
      status: 409,
      body: { error: { code: 'file_deleted', message: expect.stringMatching(/deleted in the terminal/) } },
    });
    expect(() => statSync(inHome('d.txt'))).toThrow();
    expect((await save({ path: 'd.txt', content: 'back' })).status).toBe(200);
  });

  it('refuses a malformed expectedMtime before anything runs, and a folder as a file', async () => {
    mkdirSync(inHome('dir'));
    expect((await save({ path: 'a', content: '', expectedMtime: "1'; rm -rf ~" })).status).toBe(400);
    expect(machine.scripts).toEqual([]);
    expect((await save({ path: 'dir', content: '' })).status).toBe(400);
  });
});
