import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventStreamClient } from '../../../test/helpers/event-stream-client.ts';
import { createRouter } from '../http/http-routing.ts';
import { ClassFeed } from './class-feed.ts';

// The feed on a loopback HTTP server, with stand-in classes: two classes, `a` and `b`, whose
// roster is a version number the spec bumps.
const state = {
  version: { a: 1, b: 1 } as Record<string, number>,
  over: new Set<string>(),
  machines: 'none',
  members: { a: ['ada', 'grace'], b: ['linus'] } as Record<string, string[]>,
  /** Sign-ins that no longer hold (expired). */
  expired: new Set<string>(),
};
const feed = new ClassFeed(
  {
    rosterOf: (id) => ({ id, version: state.version[id] }),
    isOver: (id) => state.over.has(id),
    machinesOf: () => state.machines,
    learnersOf: (id) => state.members[id] ?? [],
    signedIn: (session) => !state.expired.has(session),
  },
  { debounceMs: 50, tickMs: 50, perInstructorSession: 2, instructorTotal: 3, perLearner: 2, learnerTotal: 3 },
);
let server: http.Server;
let base = '';

beforeAll(async () => {
  const router = createRouter([
    {
      method: 'GET',
      pattern: /^\/api\/roster\/(\w+)$/,
      handler: async (req, res, [id]) => feed.watchRoster(id!, String(req.headers['x-session']), req, res),
    },
    {
      method: 'GET',
      pattern: /^\/api\/learner\/(\w+)$/,
      handler: async (req, res, [learner]) => feed.listen(learner!, req, res),
    },
  ]);
  // The router serves /api/ only.
  server = http.createServer((req, res) => {
    req.url = `/api${req.url}`;
    void router(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  feed.close();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});

const roster = (id: string, session: string) =>
  EventStreamClient.open(`${base}/roster/${id}`, { 'x-session': session });
const settled = async (check: () => boolean) => {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
};

describe('the live class feed', () => {
  it('sends the roster at once, then once per burst of changes, and not when nothing changed', async () => {
    const watcher = await roster('a', 's1');
    expect(watcher.status).toBe(200);
    await watcher.waitFor((e) => e.event === 'roster' && e.data.version === 1);
    state.version.a = 2;
    for (let i = 0; i < 5; i++) feed.changed('a');
    await watcher.waitFor((e) => e.data.version === 2);
    feed.changed('a');
    await new Promise((r) => setTimeout(r, 150));
    expect(watcher.events.map((e) => e.data.version)).toEqual([1, 2]);
    // A machine change is seen by the tick.
    state.version.a = 3;
    state.machines = 'ada ready';
    await watcher.waitFor((e) => e.data.version === 3);
    watcher.close();
  });

  it('bounds the streams per sign-in and in all, and gives a place back when a client goes', async () => {
    const first = await roster('a', 's2');
    const second = await roster('a', 's2');
    const third = await roster('a', 's2');
    expect([first.status, second.status, third.status]).toEqual([200, 200, 429]);
    const other = await roster('b', 's3');
    expect(other.status).toBe(200);
    // Three open in all: even a new sign-in waits.
    expect((await roster('b', 's4')).status).toBe(429);
    first.close();
    await settled(() => feed.openStreams.instructors === 2);
    expect(feed.openStreams.instructors).toBe(2);
    const again = await roster('a', 's2');
    expect(again.status).toBe(200);
    for (const c of [second, other, again]) c.close();
    await settled(() => feed.openStreams.instructors === 0);
    expect(feed.openStreams.instructors).toBe(0);
  });

  it("delivers a broadcast to the class's learners only, on every page they have open", async () => {
    const ada = [
      await EventStreamClient.open(`${base}/learner/ada`),
      await EventStreamClient.open(`${base}/learner/ada`),
    ];
    const linus = await EventStreamClient.open(`${base}/learner/linus`);
    expect((await EventStreamClient.open(`${base}/learner/ada`)).status).toBe(429);
    const message = { message: 'Break until 11:00', at: '2026-05-04T10:45:00.000Z', className: 'Morning' };
    expect(feed.broadcast('a', message)).toBe(2);
    for (const page of ada)
      expect((await page.waitFor((e) => e.event === 'broadcast')).data).toEqual(message);
    await new Promise((r) => setTimeout(r, 50));
    expect(linus.events).toEqual([]);
    for (const c of [...ada, linus]) c.close();
    await settled(() => feed.openStreams.learners === 0);
    expect(feed.openStreams.learners).toBe(0);
  });

  it("closes a sign-in's roster streams on every class when it signs out, and no one else's", async () => {
    const mine = [await roster('a', 's6'), await roster('b', 's6')];
    const theirs = await roster('a', 's7');
    for (const c of [...mine, theirs]) await c.waitFor((e) => e.event === 'roster');
    feed.signedOut('s6');
    for (const c of mine) {
      await c.waitFor((e) => e.event === 'signed-out');
      await c.waitClosed();
    }
    await settled(() => feed.openStreams.instructors === 1);
    expect(theirs.closed).toBe(false);
    expect(feed.openStreams.instructors).toBe(1);
    // A sign-in that expires is closed on the next look.
    state.expired.add('s7');
    await theirs.waitFor((e) => e.event === 'signed-out');
    await theirs.waitClosed();
    await settled(() => feed.openStreams.instructors === 0);
  });

  it('closes the roster streams of a class that is over', async () => {
    const watcher = await roster('b', 's5');
    state.over.add('b');
    await watcher.waitFor((e) => e.event === 'ended');
    await watcher.waitClosed();
    await settled(() => feed.openStreams.instructors === 0);
    expect(feed.openStreams.instructors).toBe(0);
  });
});
