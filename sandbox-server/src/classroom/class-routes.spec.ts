import http, { type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProgressStore } from '../course/progress-store.ts';
import { openDatabase } from '../database.ts';
import { createRouter } from '../http/http-routing.ts';
import { FakeRuntime } from '../sessions/fake-runtime.ts';
import { SessionManager } from '../sessions/session-manager.ts';
import { SessionStore } from '../sessions/session-store.ts';
import { EventStreamClient } from '../../../test/helpers/event-stream-client.ts';
import { CheckHistory } from './check-history.ts';
import { ClassClosing } from './class-closing.ts';
import { classLiveFeature } from './class-live-routes.ts';
import { classRoutes } from './class-routes.ts';
import { Classes } from './classes.ts';
import { twoLessonCourse } from './classroom-fixtures.ts';
import { InstructorAccounts } from './instructor-accounts.ts';
import { instructorRoutes } from './instructor-routes.ts';
import { InstructorSessions } from './instructor-sessions.ts';
import { LoginThrottle } from './login-throttle.ts';
import { callServer } from '../http/http-calls.ts';

const ADMIN = 'admin-token-0123456789';

// The instructor and class endpoints through the real router, on an in-memory database and a fake
// machine runtime (no Docker), served on a loopback port of the system's choosing.
let server: http.Server;
let base = '';
const progress = new ProgressStore(openDatabase(':memory:'));
let live: ReturnType<typeof classLiveFeature>;
let sessions: SessionManager;

beforeAll(async () => {
  const db = openDatabase(':memory:');
  const instructorSessions = new InstructorSessions(db);
  sessions = new SessionManager(new SessionStore(db), new FakeRuntime(), {
    ttlMs: 3600_000,
    idleMs: 600_000,
    maxSessions: 2,
    limits: { memoryBytes: 1, nanoCpus: 1, pidsLimit: 1, diskBytes: 1 },
    readyTimeoutMs: 1000,
  });
  const classes = new Classes(db);
  const history = new CheckHistory(db);
  live = classLiveFeature({
    classes,
    course: twoLessonCourse,
    progress,
    sessions,
    history,
    instructorSessions,
    allowedOrigins: [],
    feed: { debounceMs: 20 },
  });
  const closing = new ClassClosing({ classes, sessions, onClosed: (id) => live.feed.endClass(id) });
  const router = createRouter([
    ...instructorRoutes({
      accounts: new InstructorAccounts(db, { N: 2 ** 10, r: 8, p: 1 }),
      sessions: instructorSessions,
      throttle: new LoginThrottle(),
      adminToken: ADMIN,
      allowedOrigins: [],
      // Each test signs in from its own address, so only the rate-limit test meets the limit.
      addressOf: (req) => String(req.headers['x-test-address'] ?? 'one'),
      onSignedOut: (signIn) => live.feed.signedOut(signIn),
    }),
    ...classRoutes({
      classes,
      instructorSessions,
      course: twoLessonCourse,
      progress,
      sessions,
      allowedOrigins: [],
      history,
      onJoined: (classId) => live.feed.changed(classId),
      onEnded: (classId) => closing.close(classId),
    }),
    ...live.routes,
  ]);
  server = http.createServer((req, res) => void router(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  live.feed.close();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});

const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  callServer(base, method, path, body, headers);

let addresses = 0;
/** Creates an instructor and signs them in: the `cookie` header their browser would send. */
async function instructor(username: string): Promise<string> {
  const made = await call(
    'POST',
    '/api/instructors',
    { username, password: 'long enough pass' },
    {
      authorization: `Bearer ${ADMIN}`,
    },
  );
  expect(made.status).toBe(201);
  const login = await call(
    'POST',
    '/api/instructor/login',
    { username, password: 'long enough pass' },
    {
      'x-test-address': `address-${++addresses}`,
    },
  );
  expect(login.status).toBe(204);
  return login.headers.get('set-cookie')!.split(';')[0]!;
}

describe('instructor accounts and sign-in over HTTP', () => {
  it('creates accounts with the admin token only; a taken name 409', async () => {
    const body = { username: 'ada', password: 'long enough pass' };
    expect((await call('POST', '/api/instructors', body)).status).toBe(401);
    expect((await call('POST', '/api/instructors', body, { authorization: 'Bearer wrong' })).status).toBe(
      403,
    );
    const auth = { authorization: `Bearer ${ADMIN}` };
    expect(await call('POST', '/api/instructors', body, auth)).toMatchObject({
      status: 201,
      body: { username: 'ada' },
    });
    expect((await call('POST', '/api/instructors', body, auth)).status).toBe(409);
  });

  it('signs in with a Strict, HttpOnly cookie; a wrong name or password gets the same 401', async () => {
    await instructor('grace');
    const ok = await call('POST', '/api/instructor/login', {
      username: 'grace',
      password: 'long enough pass',
    });
    expect(ok.headers.get('set-cookie')).toMatch(
      /^dockyard_instructor=[\w-]{43}; Path=\/api\/; Max-Age=43200; HttpOnly; SameSite=Strict$/,
    );
    const wrongPassword = await call('POST', '/api/instructor/login', {
      username: 'grace',
      password: 'x'.repeat(12),
    });
    const wrongName = await call('POST', '/api/instructor/login', {
      username: 'nobody',
      password: 'long enough pass',
    });
    expect(wrongPassword.status).toBe(401);
    expect(wrongName.body).toEqual(wrongPassword.body);
    expect(wrongName.body.error.message).toBe(
      'That username and password do not match an instructor account.',
    );
  });

  it('answers the sixth sign-in of a minute from one address 429 with Retry-After', async () => {
    const from = { 'x-test-address': 'guesser' };
    for (let i = 0; i < 5; i++)
      expect(
        (await call('POST', '/api/instructor/login', { username: 'ada', password: `guess ${i}` }, from))
          .status,
      ).toBe(401);
    const limited = await call(
      'POST',
      '/api/instructor/login',
      { username: 'ada', password: 'long enough pass' },
      from,
    );
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it("refuses a sign-in sent from another site's page", async () => {
    const res = await call(
      'POST',
      '/api/instructor/login',
      { username: 'ada', password: 'long enough pass' },
      {
        origin: 'https://evil.example',
      },
    );
    expect(res.status).toBe(403);
  });

  it('signs out: the cookie stops working', async () => {
    const cookie = await instructor('linus');
    expect((await call('GET', '/api/classes', undefined, { cookie })).status).toBe(200);
    expect((await call('POST', '/api/instructor/logout', undefined, { cookie })).status).toBe(204);
    expect((await call('GET', '/api/classes', undefined, { cookie })).status).toBe(401);
  });
});

describe('classes over HTTP', () => {
  it('keeps each instructor to their own classes; learners 403, no sign-in 401', async () => {
    const a = await instructor('teacher-a');
    const b = await instructor('teacher-b');
    const created = await call('POST', '/api/classes', { name: 'Morning', capacity: 2 }, { cookie: a });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      code: expect.stringMatching(/^[2-9A-HJKMNP-Z]{6,8}$/),
      joinUrl: `${base}/?class=${created.body.code}`,
    });
    const id = created.body.id as string;
    expect((await call('GET', '/api/classes', undefined, { cookie: a })).body.classes).toMatchObject([
      { id, name: 'Morning', capacity: 2, learners: 0, over: false },
    ]);
    expect((await call('GET', '/api/classes', undefined, { cookie: b })).body).toEqual({ classes: [] });
    expect((await call('GET', `/api/classes/${id}/roster`, undefined, { cookie: b })).status).toBe(404);
    expect((await call('DELETE', `/api/classes/${id}`, undefined, { cookie: b })).status).toBe(404);
    const learner = { cookie: `dockyard_learner=${'cd'.repeat(16)}` };
    expect((await call('GET', '/api/classes', undefined, learner)).status).toBe(403);
    expect((await call('GET', `/api/classes/${id}/roster`)).status).toBe(401);
    expect(
      (
        await call(
          'POST',
          '/api/classes',
          { name: 'X', capacity: 2 },
          { cookie: a, origin: 'https://evil.example' },
        )
      ).status,
    ).toBe(403);
    expect(
      (await call('POST', '/api/classes', { name: 'X', capacity: 0 }, { cookie: a })).body.error.field,
    ).toBe('capacity');
  });

  it('lets learners join with the code up to the capacity, and shows them on the roster', async () => {
    const a = await instructor('teacher-c');
    const { body: created } = await call(
      'POST',
      '/api/classes',
      { name: 'Afternoon', capacity: 1, lessons: ['volumes'] },
      { cookie: a },
    );
    // A learner without a cookie gets one with the join.
    const joined = await call('POST', '/api/classes/join', { code: created.code, name: '<i>Ada</i>' });
    expect(joined.body).toEqual({ classId: created.id, name: '<i>Ada</i>' });
    const learnerCookie = joined.headers.get('set-cookie')!.split(';')[0]!;
    expect(learnerCookie).toMatch(/^dockyard_learner=[0-9a-f]{32}$/);
    const full = await call('POST', '/api/classes/join', { code: created.code, name: 'Grace' });
    expect(full.status).toBe(409);
    expect((await call('POST', '/api/classes/join', { code: 'ZZZZZZ', name: 'Grace' })).status).toBe(404);

    progress.record(learnerCookie.split('=')[1]!, 'volumes', 'mount');
    const roster = await call('GET', `/api/classes/${created.id}/roster`, undefined, { cookie: a });
    expect(roster.body).toEqual({
      stuckMinutes: 10,
      learners: [
        {
          id: expect.stringMatching(/^[0-9a-f]{8}$/),
          name: '<i>Ada</i>',
          machine: null,
          lesson: null,
          current: null,
          stuck: null,
          exercises: { 'volumes/mount': { state: 'passed', attempts: 0, lastMessage: null, since: null } },
        },
      ],
      summary: { 'volumes/mount': { passed: 1, trying: 0, notStarted: 0 } },
    });

    expect((await call('DELETE', `/api/classes/${created.id}`, undefined, { cookie: a })).status).toBe(204);
    const over = await call('POST', '/api/classes/join', { code: created.code, name: 'Grace' });
    expect(over.status).toBe(410);
    // Ended, its learners (and their results) are still there.
    expect(
      (await call('GET', `/api/classes/${created.id}/roster`, undefined, { cookie: a })).body.learners,
    ).toHaveLength(1);
  });
});

describe('the live classroom over HTTP', () => {
  const failing = {
    passed: false,
    checks: [{ id: 'mounted', passed: false, message: 'Nothing is mounted at /data.' }],
  };
  /** A class of one instructor with one learner in it: the learner's cookie header. */
  async function classWithLearner(username: string, name = 'Ada') {
    const cookie = await instructor(username);
    const { body: created } = await call(
      'POST',
      '/api/classes',
      { name: 'Live', capacity: 5, stuckMinutes: 5 },
      { cookie },
    );
    const joined = await call('POST', '/api/classes/join', { code: created.code, name });
    const learner = joined.headers.get('set-cookie')!.split(';')[0]!;
    return { cookie, id: created.id as string, learner };
  }
  const check = (learner: string, report: typeof failing) =>
    live.onExerciseChecked(
      { headers: { cookie: learner } } as IncomingMessage,
      'no-session',
      'volumes',
      'mount',
      report,
    );

  it("pushes the roster with a learner's failure message after their check", async () => {
    const { cookie, id, learner } = await classWithLearner('live-a');
    const stream = await EventStreamClient.open(`${base}/api/classes/${id}/events`, { cookie });
    expect(stream.status).toBe(200);
    await stream.waitFor((e) => e.event === 'roster' && e.data.learners.length === 1);
    check(learner, failing);
    const update = await stream.waitFor(
      (e) => e.data.learners[0].exercises['volumes/mount'].state === 'trying',
    );
    expect(update.data.learners[0].exercises['volumes/mount']).toMatchObject({
      attempts: 1,
      lastMessage: 'Nothing is mounted at /data.',
    });
    expect(update.data.stuckMinutes).toBe(5);
    stream.close();
  });

  it("keeps the stream, broadcast and CSV to the class's instructor", async () => {
    const { id } = await classWithLearner('live-b');
    const other = await instructor('live-c');
    const learner = { cookie: `dockyard_learner=${'cd'.repeat(16)}` };
    for (const path of [`/api/classes/${id}/events`, `/api/classes/${id}/results.csv`]) {
      expect((await call('GET', path, undefined, { cookie: other })).status).toBe(404);
      expect((await call('GET', path, undefined, learner)).status).toBe(403);
      expect((await call('GET', path)).status).toBe(401);
    }
    expect(
      (await call('POST', `/api/classes/${id}/broadcast`, { message: 'hi' }, { cookie: other })).status,
    ).toBe(404);
  });

  it("sends a broadcast to the class's learners, within bounds on its length", async () => {
    const { cookie, id, learner } = await classWithLearner('live-d');
    const page = await EventStreamClient.open(`${base}/api/learner/events`, { cookie: learner });
    expect(page.status).toBe(200);
    for (const message of ['   ', 'x'.repeat(501), 42]) {
      const refused = await call('POST', `/api/classes/${id}/broadcast`, { message }, { cookie });
      expect(refused.status).toBe(400);
      expect(refused.body.error.message).toBe('Field "message" must be 1 to 500 characters.');
    }
    expect(
      (await call('POST', `/api/classes/${id}/broadcast`, { message: ' Break until 11:00 ' }, { cookie }))
        .status,
    ).toBe(204);
    const got = await page.waitFor((e) => e.event === 'broadcast');
    expect(got.data).toMatchObject({ message: 'Break until 11:00', className: 'Live' });
    page.close();
    expect((await EventStreamClient.open(`${base}/api/learner/events`)).status).toBe(401);
  });

  it('answers the results as CSV, one row per learner', async () => {
    const { cookie, id, learner } = await classWithLearner('live-e', '=cmd|calc');
    check(learner, failing);
    const res = await fetch(`${base}/api/classes/${id}/results.csv`, { headers: { cookie } });
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(await res.text()).toBe(
      'name,first-container/run-hello state,first-container/run-hello attempts,first-container/list state,' +
        'first-container/list attempts,volumes/mount state,volumes/mount attempts\r\n' +
        "'=cmd|calc,not-started,0,not-started,0,trying,1\r\n",
    );
  });

  it('closes the roster stream of a sign-in at once when it signs out; another sign-in keeps its own', async () => {
    const { cookie, id } = await classWithLearner('live-g');
    const second = await call(
      'POST',
      '/api/instructor/login',
      { username: 'live-g', password: 'long enough pass' },
      { 'x-test-address': 'live-g-laptop' },
    );
    const laptop = second.headers.get('set-cookie')!.split(';')[0]!;
    const stream = await EventStreamClient.open(`${base}/api/classes/${id}/events`, { cookie });
    const kept = await EventStreamClient.open(`${base}/api/classes/${id}/events`, { cookie: laptop });
    await stream.waitFor((e) => e.event === 'roster');
    expect((await call('POST', '/api/instructor/logout', undefined, { cookie })).status).toBe(204);
    // Before the next look at the streams (a second away).
    await stream.waitFor((e) => e.event === 'signed-out', 300);
    await stream.waitClosed(300);
    await new Promise((r) => setTimeout(r, 100));
    expect(kept.closed).toBe(false);
    kept.close();
  });

  it("ends the class's machines when it ends, at once, and keeps its roster and results", async () => {
    const { cookie, id, learner } = await classWithLearner('live-f');
    const { record } = await sessions.create('volumes', learner.split('=')[1]!);
    const outsider = await sessions.create('volumes', 'ef'.repeat(16));
    await sessions.whenReady(record.id);
    const stream = await EventStreamClient.open(`${base}/api/classes/${id}/events`, { cookie });
    await stream.waitFor((e) => e.event === 'roster' && e.data.learners[0].machine?.state === 'ready');

    expect((await call('DELETE', `/api/classes/${id}`, undefined, { cookie })).status).toBe(204);
    // At once, not on the next look at the class (a second away): the machine is on its way out
    // and the stream was told before the answer.
    expect(sessions.state(record.id)).not.toBe('ready');
    await stream.waitFor((e) => e.event === 'ended', 300);
    await expect.poll(() => sessions.state(record.id)).toBe('gone');
    expect(sessions.state(outsider.record.id)).toBe('ready');
    const roster = await call('GET', `/api/classes/${id}/roster`, undefined, { cookie });
    expect(roster.body.learners).toMatchObject([{ name: 'Ada', machine: null }]);
    const csv = await fetch(`${base}/api/classes/${id}/results.csv`, { headers: { cookie } });
    expect((await csv.text()).split('\r\n')[1]).toMatch(/^Ada,/);
    await sessions.destroy(outsider.record.id);
  });
});
