import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../database.ts';
import { FakeRuntime } from '../sessions/fake-runtime.ts';
import { SessionManager } from '../sessions/session-manager.ts';
import { SessionStore } from '../sessions/session-store.ts';
import { originTicket, previewAccess, previewCookie } from './preview-tickets.ts';

const limits = { memoryBytes: 1, nanoCpus: 1, pidsLimit: 1, diskBytes: 1 };

async function setUp() {
  const store = new SessionStore(openDatabase(':memory:'));
  const sessions = new SessionManager(store, new FakeRuntime(), {
    ttlMs: 3_600_000,
    idleMs: 3_600_000,
    maxSessions: 20,
    limits,
    readyTimeoutMs: 1000,
  });
  const { record } = await sessions.create(null);
  const access = previewAccess(sessions, 'auto');
  return { store, sessions, record, access };
}

const request = (headers: Record<string, string>) => ({ headers, socket: {} }) as unknown as IncomingMessage;
/** The request a browser sends back with the cookie the ticket endpoint set. */
const withCookieOf = (setCookie: string) => request({ cookie: setCookie.split(';')[0]! });

describe('who may open a same-origin preview', () => {
  it('the preview cookie of the session', async () => {
    const { access, record } = await setUp();
    expect(() => access.authorize(withCookieOf(previewCookie(request({}), record)), record.id)).not.toThrow();
  });

  it('not a request without it, nor with a forged one', async () => {
    const { access, record } = await setUp();
    expect(() => access.authorize(request({}), record.id)).toThrow(
      'Open the preview from the lesson page (its "Open preview" button).',
    );
    const forged = request({ cookie: `dockyard_preview_${record.id}=forged` });
    expect(() => access.authorize(forged, record.id)).toThrow(
      'This preview ticket does not open this session.',
    );
  });

  it('not a session that is ending, whichever credential it shows', async () => {
    const { access, record, store } = await setUp();
    const cookie = withCookieOf(previewCookie(request({}), record));
    store.setState(record.id, ['starting', 'ready'], 'stopping');
    expect(() => access.authorize(cookie, record.id)).toThrow(`There is no session "${record.id}"`);
  });
});

describe('who may open a preview origin', () => {
  it('the ticket in its host name, for that port only', async () => {
    const { access, record } = await setUp();
    const host = (port: number, ticketPort = port) =>
      request({ host: `${record.id}-${port}-${originTicket(record, ticketPort)}.preview.localhost:8080` });
    expect(access.originTarget(host(5000))).toEqual({ id: record.id, port: 5000 });
    expect(() => access.originTarget(host(5001, 5000))).toThrow(
      'This preview address does not open this session. Open the preview from the lesson page.',
    );
  });

  it('answers nothing for a host that is no preview origin', async () => {
    const { access } = await setUp();
    expect(access.originTarget(request({ host: 'localhost:8080' }))).toBeUndefined();
  });
});
