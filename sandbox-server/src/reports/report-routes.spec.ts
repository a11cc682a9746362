import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Classes } from '../classroom/classes.ts';
import { classInput, learnerOf, twoLessonCourse } from '../classroom/classroom-fixtures.ts';
import { InstructorSessions } from '../classroom/instructor-sessions.ts';
import { learnerHandle } from '../classroom/roster.ts';
import { openDatabase } from '../database.ts';
import { createRouter } from '../http/http-routing.ts';
import { reportRoutes, reportsCsv } from './report-routes.ts';
import { Reports } from './reports.ts';
import { callServer } from '../http/http-calls.ts';
import { EventStreamClient } from '../../../test/helpers/event-stream-client.ts';

const ADMIN = 'admin-token-0123456789';
const clock = { now: Date.parse('2025-05-01T09:00:00Z') };
// Ada is in teacher A's class, Grace in teacher B's, Lin in none.
const ADA = learnerOf(1);
const GRACE = learnerOf(2);
const LIN = learnerOf(3);

let server: http.Server;
let base = '';
let teacherA = '';
let teacherB = '';
let classA = '';
let classB = '';
let reports: Reports;
let instructorSessions: InstructorSessions;

beforeAll(async () => {
  const db = openDatabase(':memory:');
  const now = () => clock.now;
  const classes = new Classes(db, now);
  instructorSessions = new InstructorSessions(db, now);
  reports = new Reports(db, now);
  teacherA = `dockyard_instructor=${instructorSessions.start('teacher-a')}`;
  teacherB = `dockyard_instructor=${instructorSessions.start('teacher-b')}`;
  const a = classes.create('teacher-a', classInput({ name: 'Morning' }));
  const b = classes.create('teacher-b', classInput({ name: 'Evening' }));
  classA = a.id;
  classB = b.id;
  classes.join(a.code, ADA, 'Ada');
  classes.join(b.code, GRACE, 'Grace');
  const router = createRouter(
    reportRoutes({
      reports,
      classes,
      instructorSessions,
      adminToken: ADMIN,
      course: twoLessonCourse,
      // Class A published "compose-lab": only its learners may report on it.
      classLessonFor: (learner, slug) =>
        slug === 'compose-lab' && classes.runningOf(learner).includes(classA)
          ? { classId: classA }
          : undefined,
      nameOf: (learner) => (learner === LIN ? 'Lin' : null),
      allowedOrigins: [],
      addressOf: (req) => String(req.headers['x-test-address'] ?? 'one'),
      now,
      feed: { perSignIn: 3 },
    }),
  );
  server = http.createServer((req, res) => void router(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

// Each test files from its own minute, so only the rate-limit test meets the limit.
beforeEach(() => {
  clock.now += 10 * 60_000;
});

const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  callServer(base, method, path, body, headers);

const file = (learner: string, fields: Record<string, unknown>, address = learner) =>
  call(
    'POST',
    '/api/reports',
    { lesson: 'volumes', section: 'Mount a volume', text: 'The check fails', ...fields },
    { cookie: `dockyard_learner=${learner}`, 'x-test-address': address },
  );
const admin = { authorization: `Bearer ${ADMIN}` };

describe('filing a report', () => {
  it('answers 201 with its id and stores who sent it, their class and their terminal lines', async () => {
    const sent = await file(ADA, { terminal: '$ docker ps\nCONTAINER ID\n' });
    expect(sent.status).toBe(201);
    const stored = reports.list('all').find((r) => r.id === sent.body.id)!;
    expect(stored).toMatchObject({
      lesson: 'volumes',
      section: 'Mount a volume',
      learner: ADA,
      learnerName: 'Ada',
      classId: classA,
      text: 'The check fails',
      terminal: '$ docker ps\nCONTAINER ID',
      createdAt: clock.now,
      doneAt: null,
    });
    const alone = await file(LIN, { text: '  typo in the prose  ' });
    expect(reports.list('all').find((r) => r.id === alone.body.id)).toMatchObject({
      learnerName: 'Lin',
      classId: null,
      text: 'typo in the prose',
      terminal: null,
    });
  });

  it('takes a class lesson only from a learner who may open it', async () => {
    const sent = await file(ADA, { lesson: 'compose-lab' });
    expect(sent.status).toBe(201);
    expect(reports.list('all').find((r) => r.id === sent.body.id)?.classId).toBe(classA);
    expect(await file(GRACE, { lesson: 'compose-lab' })).toMatchObject({
      status: 400,
      body: { error: { message: 'There is no lesson "compose-lab".', field: 'lesson' } },
    });
  });

  it('refuses fields out of bounds, each with a sentence naming the limit', async () => {
    const refusal = async (fields: Record<string, unknown>) => {
      const answer = await file(LIN, fields, `bounds-${JSON.stringify(fields).length}`);
      expect(answer.status).toBe(400);
      return answer.body.error.message as string;
    };
    expect(await refusal({ lesson: undefined })).toBe(
      'Field "lesson" must be the slug of the lesson the report is about.',
    );
    expect(await refusal({ section: 'x'.repeat(201) })).toBe(
      'Field "section" must be at most 200 characters.',
    );
    expect(await refusal({ text: '   ' })).toBe('Field "text" must be 1 to 4000 characters.');
    expect(await refusal({ text: 'x'.repeat(4001) })).toBe('Field "text" must be 1 to 4000 characters.');
    const limit = 'Field "terminal" may hold at most 50 lines and 16 KiB.';
    expect(await refusal({ terminal: Array.from({ length: 51 }, (_, i) => `line ${i}`).join('\n') })).toBe(
      limit,
    );
    expect(await refusal({ terminal: 'y'.repeat(16 * 1024 + 1) })).toBe(limit);
    expect((await file(LIN, { text: 'x'.repeat(4000), terminal: 'y'.repeat(16 * 1024) })).status).toBe(201);
  });

  it('refuses a 1 MB report with 413, naming the limit, and stores nothing', async () => {
    const before = reports.list('all').length;
    const huge = await file(LIN, { text: 'x'.repeat(1_000_000) });
    expect(huge.status).toBe(413);
    expect(huge.body.error.message).toBe('A report may be at most 64 KiB.');
    expect(reports.list('all').length).toBe(before);
  });

  it("is refused from another site's page", async () => {
    const answer = await call(
      'POST',
      '/api/reports',
      { lesson: 'volumes', text: 'hi' },
      { cookie: `dockyard_learner=${LIN}`, origin: 'https://evil.example' },
    );
    expect(answer.status).toBe(403);
  });

  it('allows 10 reports a minute per learner and per address, then 429 with Retry-After', async () => {
    for (let i = 0; i < 10; i++) expect((await file(GRACE, { text: `n${i}` })).status).toBe(201);
    const eleventh = await file(GRACE, { text: 'n10' });
    expect(eleventh.status).toBe(429);
    expect(Number(eleventh.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another learner from the same address is held back too; the same learner elsewhere as well.
    expect((await file(LIN, { text: 'shared' }, GRACE)).status).toBe(429);
    expect((await file(GRACE, { text: 'moved' }, 'another')).status).toBe(429);
    clock.now += 60_000;
    expect((await file(GRACE, { text: 'later' })).status).toBe(201);
  });
});

describe('who reads reports', () => {
  const lessonsOf = (body: { reports: { text: string }[] }) => body.reports.map((r) => r.text);

  it("shows an instructor their own classes' reports only, newest first; the token all", async () => {
    await file(ADA, { text: 'Ada first' });
    clock.now += 1000;
    await file(GRACE, { text: 'Grace here' });
    clock.now += 1000;
    await file(ADA, { text: 'Ada second' });
    const mine = await call('GET', '/api/reports?state=all', undefined, { cookie: teacherA });
    expect(mine.status).toBe(200);
    expect(lessonsOf(mine.body).slice(0, 2)).toEqual(['Ada second', 'Ada first']);
    expect(lessonsOf(mine.body)).not.toContain('Grace here');
    expect(mine.body.reports.every((r: { classId: string }) => r.classId === classA)).toBe(true);
    expect(mine.body.reports[0]).toMatchObject({ learner: learnerHandle(ADA), name: 'Ada', doneAt: null });
    expect(JSON.stringify(mine.body)).not.toContain(ADA);

    const theirs = await call('GET', '/api/reports', undefined, { cookie: teacherB });
    expect(lessonsOf(theirs.body)).toContain('Grace here');
    expect(lessonsOf(theirs.body)).not.toContain('Ada first');
    expect(theirs.body.reports.every((r: { classId: string }) => r.classId === classB)).toBe(true);

    const all = await call('GET', '/api/reports?state=all', undefined, admin);
    expect(lessonsOf(all.body).slice(0, 3)).toEqual(['Ada second', 'Grace here', 'Ada first']);
    // A learner in no class is seen by the token's holder only.
    expect(lessonsOf(all.body)).toContain('typo in the prose');
    expect(lessonsOf(mine.body)).not.toContain('typo in the prose');
  });

  it('refuses learners, strangers, a wrong token and a bad state', async () => {
    expect((await call('GET', '/api/reports', undefined, { cookie: `dockyard_learner=${ADA}` })).status).toBe(
      403,
    );
    expect((await call('GET', '/api/reports')).status).toBe(401);
    expect((await call('GET', '/api/reports', undefined, { authorization: 'Bearer wrong' })).status).toBe(
      403,
    );
    expect(
      (await call('GET', '/api/reports.csv', undefined, { cookie: `dockyard_learner=${ADA}` })).status,
    ).toBe(403);
    expect(await call('GET', '/api/reports?state=later', undefined, admin)).toMatchObject({
      status: 400,
      body: { error: { message: 'Query "state" must be "open", "done" or "all".' } },
    });
  });
});

describe('done and undo', () => {
  it('moves a report between open and done; another instructor gets 404 and changes nothing', async () => {
    const { id } = (await file(ADA, { text: 'to be done' })).body as { id: string };
    const path = `/api/reports/${id}/done`;
    expect((await call('POST', path, undefined, { cookie: teacherB })).status).toBe(404);
    expect((await call('POST', path, undefined, { cookie: `dockyard_learner=${ADA}` })).status).toBe(403);
    expect(
      (await call('POST', path, undefined, { cookie: teacherA, origin: 'https://evil.example' })).status,
    ).toBe(403);

    const done = await call('POST', path, undefined, { cookie: teacherA });
    expect(done).toMatchObject({ status: 200, body: { id, doneAt: new Date(clock.now).toISOString() } });
    const ids = async (state: string) =>
      (await call('GET', `/api/reports?state=${state}`, undefined, { cookie: teacherA })).body.reports.map(
        (r: { id: string }) => r.id,
      );
    expect(await ids('done')).toContain(id);
    expect(await ids('open')).not.toContain(id);

    expect((await call('DELETE', path, undefined, { cookie: teacherA })).body.doneAt).toBeNull();
    expect(await ids('open')).toContain(id);
    // The token's holder may mark any report, without an Origin.
    expect((await call('POST', path, undefined, admin)).status).toBe(200);
    expect((await call('POST', '/api/reports/nope/done', undefined, admin)).status).toBe(404);
  });
});

describe('the CSV export', () => {
  it('quotes cells and keeps a text starting with = from becoming a formula', async () => {
    await file(ADA, { text: '=HYPERLINK("http://evil.example","click")', section: 'Run, then "stop"' });
    const csv = await call('GET', '/api/reports.csv?state=open', undefined, { cookie: teacherA });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toBe('attachment; filename="reports-open.csv"');
    const [header, first] = (csv.body as string).split('\r\n');
    expect(header).toBe('created,lesson,section,learner,name,class,done,text,terminal');
    expect(first).toBe(
      `${new Date(clock.now).toISOString()},volumes,"Run, then ""stop""",${learnerHandle(ADA)},Ada,${classA},,` +
        `"'=HYPERLINK(""http://evil.example"",""click"")",`,
    );
    expect(csv.body).not.toContain('Grace');
  });

  it('keeps the terminal lines in one quoted cell', () => {
    const csv = reportsCsv([
      {
        id: 'r1',
        lesson: 'volumes',
        section: '',
        learner: LIN,
        learnerName: null,
        classId: null,
        text: '@bad',
        terminal: '$ ls\n-rw file',
        createdAt: 0,
        doneAt: null,
      },
    ]);
    expect(csv.split('\r\n')[1]).toBe(
      `1970-01-01T00:00:00.000Z,volumes,,${learnerHandle(LIN)},,,,'@bad,"$ ls\n-rw file"`,
    );
  });
});

describe('the live stream', () => {
  const open = (headers: Record<string, string>) =>
    EventStreamClient.open(`${base}/api/reports/events`, headers);
  const texts = (stream: EventStreamClient, event = 'report') =>
    stream.events.filter((e) => e.event === event).map((e) => e.data.text as string);

  it("sends a filed report to its class's instructor and the token's holder, and to no one else", async () => {
    const a = await open({ cookie: teacherA });
    const b = await open({ cookie: teacherB });
    const all = await open(admin);
    expect([a.status, b.status, all.status]).toEqual([200, 200, 200]);

    const { id } = (await file(ADA, { text: 'live from Ada', terminal: '$ docker ps' })).body as {
      id: string;
    };
    const got = await a.waitFor((e) => e.event === 'report');
    expect(got.data).toEqual({
      id,
      lesson: 'volumes',
      section: 'Mount a volume',
      learner: learnerHandle(ADA),
      name: 'Ada',
      classId: classA,
      text: 'live from Ada',
      terminal: '$ docker ps',
      createdAt: new Date(clock.now).toISOString(),
      doneAt: null,
    });
    expect(JSON.stringify(a.events)).not.toContain(ADA);
    await file(LIN, { text: 'live from Lin' });
    await file(GRACE, { text: 'live from Grace' });
    // Events of one stream arrive in order: once Grace's is in, the earlier ones would be too.
    await b.waitFor((e) => e.data.text === 'live from Grace');
    await all.waitFor((e) => e.data.text === 'live from Grace');
    await file(ADA, { text: 'Ada again' });
    await a.waitFor((e) => e.data.text === 'Ada again');

    expect(texts(a)).toEqual(['live from Ada', 'Ada again']);
    expect(texts(b)).toEqual(['live from Grace']);
    // Every report, those of a learner in no class included.
    await all.waitFor((e) => e.data.text === 'Ada again');
    expect(texts(all)).toEqual(['live from Ada', 'live from Lin', 'live from Grace', 'Ada again']);
    for (const s of [a, b, all]) s.close();
  });

  it('is refused as GET /api/reports is: learners, strangers and a wrong token', async () => {
    expect((await open({ cookie: `dockyard_learner=${ADA}` })).status).toBe(403);
    expect((await open({})).status).toBe(401);
    expect((await open({ authorization: 'Bearer wrong' })).status).toBe(403);
    expect((await open({ cookie: 'dockyard_instructor=' + 'x'.repeat(43) })).status).toBe(401);
  });

  it('sends done and open again to the open lists that show the report, and only those', async () => {
    const { id } = (await file(ADA, { text: 'mark me' })).body as { id: string };
    const a = await open({ cookie: teacherA });
    const b = await open({ cookie: teacherB });
    const all = await open(admin);
    const path = `/api/reports/${id}/done`;
    expect((await call('POST', path, undefined, { cookie: teacherA })).status).toBe(200);
    const done = await all.waitFor((e) => e.event === 'report-state');
    expect(done.data).toMatchObject({ id, text: 'mark me', doneAt: new Date(clock.now).toISOString() });
    await a.waitFor((e) => e.event === 'report-state' && e.data.doneAt !== null);
    // The token's holder opens it again: the instructor's pages follow.
    expect((await call('DELETE', path, undefined, admin)).status).toBe(200);
    await a.waitFor((e) => e.event === 'report-state' && e.data.doneAt === null);
    // A refused change (another instructor's 404) sends nothing.
    expect((await call('POST', path, undefined, { cookie: teacherB })).status).toBe(404);
    const { id: graceId } = (await file(GRACE, { text: 'Grace marks' })).body as { id: string };
    expect((await call('POST', `/api/reports/${graceId}/done`, undefined, { cookie: teacherB })).status).toBe(
      200,
    );
    await b.waitFor((e) => e.event === 'report-state');
    await all.waitFor((e) => e.event === 'report-state' && e.data.id === graceId);
    expect(b.events.map((e) => [e.event, e.data.id])).toEqual([
      ['report', graceId],
      ['report-state', graceId],
    ]);
    expect(all.events.filter((e) => e.event === 'report-state').map((e) => e.data.doneAt === null)).toEqual([
      false,
      true,
      false,
    ]);
    for (const s of [a, b, all]) s.close();
  });

  it('sends nothing to a sign-in that ended, and closes its stream', async () => {
    const token = instructorSessions.start('teacher-a');
    const laptop = await open({ cookie: `dockyard_instructor=${token}` });
    const kept = await open({ cookie: teacherA });
    instructorSessions.end(token);
    await file(ADA, { text: 'after sign-out' });
    await kept.waitFor((e) => e.data.text === 'after sign-out');
    await laptop.waitClosed();
    expect(laptop.events.map((e) => e.event)).toEqual(['signed-out']);
    kept.close();
  });

  it('holds at most 3 streams per sign-in (429), and gives a place back when one closes', async () => {
    const token = instructorSessions.start('teacher-b');
    const cookie = `dockyard_instructor=${token}`;
    const streams = [await open({ cookie }), await open({ cookie }), await open({ cookie })];
    expect(streams.map((s) => s.status)).toEqual([200, 200, 200]);
    const refused = await call('GET', '/api/reports/events', undefined, { cookie });
    expect(refused.status).toBe(429);
    expect(refused.body.error.message).toBe(
      'You have 3 live report lists open already: close one (another tab) and try again.',
    );
    // Another sign-in is not held back.
    const other = await open({ cookie: teacherB });
    expect(other.status).toBe(200);
    streams[0]!.close();
    await expect
      .poll(async () => {
        const again = await open({ cookie });
        again.close();
        return again.status;
      })
      .toBe(200);
    for (const s of [...streams, other]) s.close();
  });
});
