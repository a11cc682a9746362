import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../database.ts';
import { createRouter } from '../http/http-routing.ts';
import { FakeRuntime } from '../sessions/fake-runtime.ts';
import { SessionManager } from '../sessions/session-manager.ts';
import { SessionStore } from '../sessions/session-store.ts';
import { terminalRoutes } from './terminal-routes.ts';
import { TerminalTickets } from './terminal-tickets.ts';

const limits = { memoryBytes: 1, nanoCpus: 1, pidsLimit: 1, diskBytes: 1 };
const runtime = new FakeRuntime();
/** The tmux sessions the fake machine has, as `tmux list-sessions` would print them. */
const tmux = new Set<string>();
let server: http.Server;
let base: string;
let id: string;
let token: string;

beforeAll(async () => {
  const sessions = new SessionManager(new SessionStore(openDatabase(':memory:')), runtime, {
    ttlMs: 3_600_000,
    idleMs: 3_600_000,
    maxSessions: 5,
    limits,
    readyTimeoutMs: 1000,
  });
  const created = await sessions.create('lesson');
  id = created.record.id;
  token = created.token;
  await sessions.whenReady(id);
  runtime.answer = (script, options) => {
    if (options?.user !== 'learner') return undefined;
    if (script.startsWith('tmux list-sessions')) return { stdout: [...tmux].join('\n') };
    const made = / new-session -d -s (\S+)/.exec(script)?.[1];
    if (made) tmux.add(made);
    const killed = /kill-session -t =(\S+)/.exec(script)?.[1];
    if (killed) tmux.delete(killed);
    return { stdout: '' };
  };
  const router = createRouter(terminalRoutes({ sessions, tickets: new TerminalTickets(), maxTabs: 3 }));
  server = http.createServer((req, res) => void router(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/sessions`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const call = async (method: string, path: string, bearer = token) => {
  const res = await fetch(`${base}/${id}${path}`, { method, headers: { authorization: `Bearer ${bearer}` } });
  return { status: res.status, body: (await res.json().catch(() => undefined)) as Record<string, unknown> };
};

describe('the terminals of a session', () => {
  it('lists tab 1 before any other is open, and needs the token', async () => {
    expect(await call('GET', '/terminals')).toEqual({ status: 200, body: { tabs: [1], max: 3 } });
    expect((await call('GET', '/terminals', 'wrong')).status).toBe(403);
  });

  it('opens tabs up to the limit, then says to close one', async () => {
    expect(await call('POST', '/terminals')).toEqual({ status: 201, body: { tab: 2 } });
    // Two at once get two tabs, not the same one.
    const [a, b] = await Promise.all([call('POST', '/terminals'), call('POST', '/terminals')]);
    expect([a.status, b.status].sort()).toEqual([201, 429]);
    const refused = a.status === 429 ? a : b;
    expect(refused.body).toEqual({
      error: {
        code: 'too_many_terminals',
        message: 'This machine has 3 terminals open, the most it allows: close one first.',
      },
    });
    expect((await call('GET', '/terminals')).body.tabs).toEqual([1, 2, 3]);
    expect(tmux).toEqual(new Set(['tab2', 'tab3']));
  });

  it('closes a tab (its tmux session), never tab 1 nor one past the limit', async () => {
    expect((await call('DELETE', '/terminals/2')).status).toBe(204);
    expect((await call('GET', '/terminals')).body.tabs).toEqual([1, 3]);
    expect((await call('DELETE', '/terminals/2')).status).toBe(204);
    expect((await call('DELETE', '/terminals/1')).status).toBe(400);
    expect((await call('DELETE', '/terminals/4')).status).toBe(400);
    expect((await call('DELETE', '/terminals/x')).status).toBe(400);
    // The freed number is the next one opened.
    expect((await call('POST', '/terminals')).body).toEqual({ tab: 2 });
  });
});
