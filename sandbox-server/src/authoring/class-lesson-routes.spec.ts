import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Admission } from '../capacity/admission.ts';
import { CheckHistory } from '../classroom/check-history.ts';
import { classLiveFeature } from '../classroom/class-live-routes.ts';
import { classRoutes } from '../classroom/class-routes.ts';
import { Classes } from '../classroom/classes.ts';
import { twoLessonCourse } from '../classroom/classroom-fixtures.ts';
import { InstructorAccounts } from '../classroom/instructor-accounts.ts';
import { instructorRoutes } from '../classroom/instructor-routes.ts';
import { InstructorSessions } from '../classroom/instructor-sessions.ts';
import { LoginThrottle } from '../classroom/login-throttle.ts';
import { courseFeature } from '../course/course-routes.ts';
import { ProgressStore } from '../course/progress-store.ts';
import { openDatabase } from '../database.ts';
import { coreRoutes } from '../http/core-routes.ts';
import { createRouter } from '../http/http-routing.ts';
import { FakeRuntime } from '../sessions/fake-runtime.ts';
import { SessionManager } from '../sessions/session-manager.ts';
import { SessionStore } from '../sessions/session-store.ts';
import { readScenario, zipOf } from '../../../engine/src/testing/scenarios.ts';
import { makeZip } from '../../../engine/src/testing/zip.ts';
import { filesMachine, lessonInput, lessonText } from './authoring-fixtures.ts';
import { AuthoringWorkers } from './authoring-workers.ts';
import { classLessonRoutes } from './class-lesson-routes.ts';
import { ClassLessonProofs } from './class-lesson-proofs.ts';
import { ClassLessons } from './class-lessons.ts';
import { LearnerClassLessons } from './learner-class-lessons.ts';
import { callServer } from '../http/http-calls.ts';

const ADMIN = 'admin-token-0123456789';

// Class exercises through the real router, beside the course's check, quiz, setup and progress
// routes and the class's roster, on an in-memory database and a fake runtime whose machines keep
// files; served on a loopback port of the system's choosing.
let server: http.Server;
let base = '';
let sessions: SessionManager;
let proofs: ClassLessonProofs;
let lessons: ClassLessons;
let live: ReturnType<typeof classLiveFeature>;
const runtime = new FakeRuntime();
// The real pool: pages render on worker threads here as in the server.
const work = new AuthoringWorkers();
const machine = filesMachine();

beforeAll(async () => {
  runtime.answer = machine.answer;
  const db = openDatabase(':memory:');
  const instructorSessions = new InstructorSessions(db);
  sessions = new SessionManager(new SessionStore(db), runtime, {
    ttlMs: 3600_000,
    idleMs: 600_000,
    maxSessions: 10,
    limits: { memoryBytes: 1, nanoCpus: 1, pidsLimit: 1, diskBytes: 1 },
    readyTimeoutMs: 1000,
  });
  const classes = new Classes(db);
  const progress = new ProgressStore(db);
  const history = new CheckHistory(db);
  lessons = new ClassLessons(db);
  const learners = new LearnerClassLessons(classes, lessons);
  proofs = new ClassLessonProofs(db, { machine: () => sessions.proofMachine() });
  live = classLiveFeature({
    classes,
    course: twoLessonCourse,
    progress,
    sessions,
    history,
    instructorSessions,
    allowedOrigins: [],
    publishedLessons: learners.ofClass,
  });
  const course = courseFeature({
    sessions,
    runtime,
    course: twoLessonCourse,
    progress,
    classLessonFor: learners.contentFor,
    classLessonsOf: learners.contentsFor,
  });
  const router = createRouter([
    ...coreRoutes({
      sessions,
      // No line, no limits: a machine for whoever asks.
      admission: {
        request: async ({ lesson, learner }) => ({
          status: 201,
          ...(await sessions.create(lesson, learner)),
        }),
      } as Pick<Admission, 'request'> as Admission,
      addressOf: () => 'here',
      runtime,
      course: twoLessonCourse,
      health: async () => ({ ok: true }),
      onExercisePassed: course.onExercisePassed,
      onExerciseChecked: live.onExerciseChecked,
      classLessonFor: learners.contentFor,
    }),
    ...course.routes,
    ...instructorRoutes({
      accounts: new InstructorAccounts(db, { N: 2 ** 10, r: 8, p: 1 }),
      sessions: instructorSessions,
      throttle: new LoginThrottle(),
      adminToken: ADMIN,
      allowedOrigins: [],
      addressOf: (req) => String(req.headers['x-test-address'] ?? 'one'),
    }),
    ...classRoutes({
      classes,
      instructorSessions,
      course: twoLessonCourse,
      progress,
      sessions,
      allowedOrigins: [],
      history,
      publishedLessons: learners.ofClass,
    }),
    ...live.routes,
    ...classLessonRoutes({
      classes,
      instructorSessions,
      allowedOrigins: [],
      course: twoLessonCourse,
      lessons,
      proofs,
      learners,
      work,
    }),
  ]);
  server = http.createServer((req, res) => void router(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // A worker takes a second or more to load its modules (more on a busy machine).
  await work.render('', { exercises: [], quizzes: [] });
}, 30_000);
afterAll(() => {
  live.feed.close();
  void work.close();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});

const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  callServer(base, method, path, body, headers);

let addresses = 0;
/** A signed-in instructor with a class: their cookie header, the class's id and code. */
async function instructorWithClass(username: string) {
  const password = 'long enough pass';
  await call('POST', '/api/instructors', { username, password }, { authorization: `Bearer ${ADMIN}` });
  const login = await call(
    'POST',
    '/api/instructor/login',
    { username, password },
    { 'x-test-address': `address-${++addresses}` },
  );
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  const made = await call('POST', '/api/classes', { name: 'Morning', capacity: 10 }, { cookie });
  return { cookie, classId: made.body.id as string, code: made.body.code as string };
}

/** A learner who joined the class of the code: their cookie header and id. */
async function learnerIn(code: string, name: string) {
  const joined = await call('POST', '/api/classes/join', { code, name });
  const cookie = joined.headers.get('set-cookie')!.split(';')[0]!;
  return { cookie, id: cookie.split('=')[1]! };
}

/** Proves the latest version over the API and waits for the verdict. */
async function prove(cookie: string, classId: string, slug: string) {
  const started = await call('POST', `/api/classes/${classId}/exercises/${slug}/prove`, undefined, {
    cookie,
  });
  expect(started).toMatchObject({ status: 202, body: { proofId: expect.stringMatching(/^[0-9a-f]{16}$/) } });
  const path = `/api/classes/${classId}/exercises/${slug}/proofs/${started.body.proofId}`;
  await vi.waitUntil(async () => (await call('GET', path, undefined, { cookie })).body.state !== 'running', {
    timeout: 5000,
  });
  return (await call('GET', path, undefined, { cookie })).body;
}

describe('writing a class lesson', () => {
  it('is for the class instructor only: another instructor 404, a learner 403, no sign-in 401', async () => {
    const a = await instructorWithClass('author-a');
    const b = await instructorWithClass('author-b');
    const path = `/api/classes/${a.classId}/exercises`;
    const body = { slug: 'make-a-file', ...lessonText() };
    expect((await call('POST', path, body, { cookie: b.cookie })).status).toBe(404);
    expect((await call('GET', path, undefined, { cookie: b.cookie })).status).toBe(404);
    expect((await call('POST', path, body, { cookie: `dockyard_learner=${'ab'.repeat(16)}` })).status).toBe(
      403,
    );
    expect((await call('POST', path, body)).status).toBe(401);
    expect(
      (await call('POST', path, body, { cookie: a.cookie, origin: 'https://evil.example' })).status,
    ).toBe(403);
    expect((await call('POST', path, body, { cookie: a.cookie })).status).toBe(201);
    expect((await call('GET', `${path}/make-a-file`, undefined, { cookie: b.cookie })).status).toBe(404);
    expect((await call('POST', `${path}/make-a-file/prove`, undefined, { cookie: b.cookie })).status).toBe(
      404,
    );
    expect((await call('POST', `${path}/make-a-file/publish`, undefined, { cookie: b.cookie })).status).toBe(
      404,
    );
  });

  it('answers 400 with every problem on its line, and saves nothing', async () => {
    const { cookie, classId } = await instructorWithClass('author-c');
    const { page, exercises } = lessonText();
    const res = await call(
      'POST',
      `/api/classes/${classId}/exercises`,
      { slug: 'volumes', page, exercises: exercises.replace('kind: command', 'kind: nope') },
      { cookie },
    );
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'bad_request', field: 'slug' });
    expect(res.body.problems).toEqual([
      { in: 'slug', line: null, field: 'slug', message: expect.stringContaining('a lesson of the course') },
      { in: 'exercises', line: 8, field: 'exercises[0].checks[0].kind', message: expect.any(String) },
    ]);
    expect((await call('GET', `/api/classes/${classId}/exercises`, undefined, { cookie })).body).toEqual({
      exercises: [],
    });
  });

  it('names the page of a 5 MB upload, and refuses a larger body with 413', async () => {
    const { cookie, classId } = await instructorWithClass('author-d');
    const path = `/api/classes/${classId}/exercises`;
    const five = await call(
      'POST',
      path,
      { slug: 'big', page: 'x'.repeat(5_000_000), exercises: 'exercises: []' },
      { cookie },
    );
    expect(five.status).toBe(400);
    expect(five.body.problems).toEqual([
      {
        in: 'page',
        line: null,
        field: 'page',
        message: expect.stringMatching(/^The page is 4883 KiB: at most 1024 KiB/),
      },
    ]);
    const seven = await call(
      'POST',
      path,
      { slug: 'big', page: 'x'.repeat(7_000_000), exercises: '' },
      { cookie },
    );
    expect(seven.status).toBe(413);
    expect(seven.body.error.message).toMatch(/a page is at most 1 MiB/);
  });

  it('bumps the version on each save; the latest has its page, YAML and proofs', async () => {
    const { cookie, classId } = await instructorWithClass('author-e');
    const path = `/api/classes/${classId}/exercises`;
    const first = await call('POST', path, { slug: 'make-a-file', ...lessonText() }, { cookie });
    expect(first).toMatchObject({ status: 201, body: { slug: 'make-a-file', version: 1 } });
    const second = await call(
      'POST',
      path,
      { slug: 'make-a-file', ...lessonText({ file: 'two' }) },
      { cookie },
    );
    expect(second.body).toEqual({ slug: 'make-a-file', version: 2 });
    expect((await call('GET', path, undefined, { cookie })).body).toEqual({
      exercises: [
        {
          slug: 'make-a-file',
          title: 'Make a file',
          version: 2,
          proof: null,
          published: null,
          updatedAt: expect.any(String),
        },
      ],
    });
    const latest = (await call('GET', `${path}/make-a-file`, undefined, { cookie })).body;
    expect(latest).toMatchObject({
      slug: 'make-a-file',
      title: 'Make a file',
      summary: 'A file of your own.',
      version: 2,
      published: null,
      page: lessonText().page,
      exercises: lessonText({ file: 'two' }).exercises,
      proofs: [],
    });
    expect((await call('GET', `${path}/nothing`, undefined, { cookie })).status).toBe(404);
    expect((await call('POST', `${path}/nothing/prove`, undefined, { cookie })).status).toBe(404);
  });
});

describe('proving and publishing', () => {
  it('publishes only a latest version that has a passing proof; an edit needs a proof again while learners keep theirs', async () => {
    const { cookie, classId, code } = await instructorWithClass('author-f');
    const ada = await learnerIn(code, 'Ada');
    const path = `/api/classes/${classId}/exercises`;
    await call('POST', path, { slug: 'make-a-file', ...lessonText() }, { cookie });
    const unproven = await call('POST', `${path}/make-a-file/publish`, undefined, { cookie });
    expect(unproven.status).toBe(409);
    expect(unproven.body.error).toMatchObject({
      code: 'not_proven',
      message: expect.stringMatching(/^Version 1 of/),
    });

    const proof = await prove(cookie, classId, 'make-a-file');
    expect(proof).toMatchObject({
      version: 1,
      state: 'passed',
      passed: true,
      checks: [{ exercise: 'make-file', id: 'file-made', failedBefore: true, passedAfter: true }],
    });
    expect(proof.steps.map((s: { name: string }) => s.name)).toEqual([
      'machine',
      'checks before',
      'solve make-file',
      'checks after make-file',
      'remove machine',
    ]);
    expect((await call('GET', path, undefined, { cookie })).body.exercises[0].proof).toEqual({
      proofId: proof.proofId,
      state: 'passed',
    });
    expect((await call('POST', `${path}/make-a-file/publish`, undefined, { cookie })).status).toBe(204);
    expect((await call('GET', '/api/learner/class-lessons', undefined, { cookie: ada.cookie })).body).toEqual(
      [
        {
          slug: 'make-a-file',
          title: 'Make a file',
          summary: 'A file of your own.',
          version: 1,
          exercises: [{ id: 'make-file', title: 'Make the file', auto: true }],
          quizzes: [
            { id: 'why', question: 'Why make a file?', options: ['To learn', 'To win'], multiple: false },
          ],
          hasSetup: false,
        },
      ],
    );

    // An edit: a new version, not proven. The proven one was version 1, not the latest.
    await call('POST', path, { slug: 'make-a-file', ...lessonText({ file: 'two' }) }, { cookie });
    expect((await call('POST', `${path}/make-a-file/publish`, undefined, { cookie })).status).toBe(409);
    const seen = await call('GET', '/api/learner/class-lessons/make-a-file', undefined, {
      cookie: ada.cookie,
    });
    expect(seen.body).toMatchObject({
      version: 1,
      page: lessonText().page,
      html: '<h1>Make a file</h1>\n<p>A file of your own.</p>\n<div data-dockyard="exercise" data-id="make-file"></div>',
    });
    expect((await call('GET', path, undefined, { cookie })).body.exercises[0]).toMatchObject({
      version: 2,
      proof: null,
      published: 1,
    });

    // A proof that fails does not let it be published either.
    await call(
      'POST',
      path,
      { slug: 'make-a-file', ...lessonText({ solve: 'touch /tmp/elsewhere' }) },
      { cookie },
    );
    const failed = await prove(cookie, classId, 'make-a-file');
    expect(failed).toMatchObject({ version: 3, state: 'failed', passed: false });
    expect(failed.checks[0]).toMatchObject({ failedBefore: true, passedAfter: false });
    expect((await call('POST', `${path}/make-a-file/publish`, undefined, { cookie })).status).toBe(409);
    expect(runtime.sandboxes.size).toBe(0);
  });

  it('refuses a second proof of the same lesson while one runs (409)', async () => {
    const { cookie, classId } = await instructorWithClass('author-g');
    const path = `/api/classes/${classId}/exercises`;
    await call('POST', path, { slug: 'make-a-file', ...lessonText() }, { cookie });
    runtime.hold('ready');
    try {
      expect((await call('POST', `${path}/make-a-file/prove`, undefined, { cookie })).status).toBe(202);
      const again = await call('POST', `${path}/make-a-file/prove`, undefined, { cookie });
      expect(again.status).toBe(409);
      const proofId = (await call('GET', `${path}/make-a-file`, undefined, { cookie })).body.proofs[0]
        .proofId;
      expect(
        (await call('GET', `${path}/make-a-file/proofs/${proofId}`, undefined, { cookie })).body,
      ).toMatchObject({
        state: 'running',
        steps: [{ name: 'machine', state: 'running' }],
      });
      expect(
        (await call('GET', `${path}/make-a-file/proofs/0000000000000000`, undefined, { cookie })).status,
      ).toBe(404);
    } finally {
      runtime.release('ready');
    }
  });
});

describe("a class lesson for the class's learners", () => {
  it('is checked, graded and set up like a course lesson for a member, is on the roster, and is 404 to anyone else', async () => {
    const { cookie, classId, code } = await instructorWithClass('author-h');
    const other = await instructorWithClass('author-i');
    const path = `/api/classes/${classId}/exercises`;
    await call(
      'POST',
      path,
      { slug: 'make-a-file', ...lessonText({ setup: 'touch /tmp/setup-ran' }) },
      { cookie },
    );
    await prove(cookie, classId, 'make-a-file');
    await call('POST', `${path}/make-a-file/publish`, undefined, { cookie });
    const ada = await learnerIn(code, 'Ada');
    const ken = await learnerIn(other.code, 'Ken');

    // Another class's learner, a learner of none, nobody: not even the page.
    const strangers: Record<string, string>[] = [
      { cookie: ken.cookie },
      { cookie: `dockyard_learner=${'ef'.repeat(16)}` },
      {},
    ];
    for (const headers of strangers) {
      const res = await call('GET', '/api/learner/class-lessons/make-a-file', undefined, headers);
      expect(res.status).toBe(404);
      expect(JSON.stringify(res.body)).not.toContain('make-file');
      expect((await call('GET', '/api/learner/class-lessons', undefined, headers)).body).toEqual([]);
    }

    // A machine on the class lesson: for Ada, not for Ken.
    expect(
      (await call('POST', '/api/sessions', { lesson: 'make-a-file' }, { cookie: ken.cookie })).body.error,
    ).toEqual({
      code: 'bad_request',
      field: 'lesson',
      message: 'There is no lesson "make-a-file".',
    });
    const opened = await call('POST', '/api/sessions', { lesson: 'make-a-file' }, { cookie: ada.cookie });
    expect(opened.status).toBe(201);
    expect(sessions.record(opened.body.id)).toMatchObject({ lesson: 'make-a-file', learner: ada.id });
    await sessions.destroy(opened.body.id);

    // Ada's machine: the check route takes her class's lesson.
    const mine = await sessions.create('make-a-file', ada.id);
    const bearer = { authorization: `Bearer ${mine.token}`, cookie: ada.cookie };
    const check = `/api/sessions/${mine.record.id}/exercises/make-a-file/make-file/check`;
    expect(
      (await call('POST', `/api/sessions/${mine.record.id}/lessons/make-a-file/setup`, undefined, bearer))
        .body,
    ).toEqual({
      ran: true,
    });
    expect(machine.files(mine.record.id).has('/tmp/setup-ran')).toBe(true);
    expect((await call('POST', check, undefined, bearer)).body).toMatchObject({ passed: false });
    machine.files(mine.record.id).add('/tmp/done');
    expect((await call('POST', check, undefined, bearer)).body).toEqual({
      passed: true,
      checks: [{ id: 'file-made', passed: true, message: '/tmp/done is there' }],
    });
    const quiz = await call(
      'POST',
      `/api/sessions/${mine.record.id}/quizzes/make-a-file/why`,
      { answer: [0] },
      bearer,
    );
    expect(quiz.body).toEqual({ correct: true, explanation: 'To learn.' });
    expect((await call('GET', '/api/progress', undefined, { cookie: ada.cookie })).body).toEqual({
      lessons: { 'make-a-file': { passed: ['make-file', 'why'] } },
    });
    const roster = (await call('GET', `/api/classes/${classId}/roster`, undefined, { cookie })).body;
    expect(Object.keys(roster.summary)).toEqual([
      'first-container/run-hello',
      'first-container/list',
      'volumes/mount',
      'make-a-file/make-file',
    ]);
    expect(roster.learners[0].exercises['make-a-file/make-file']).toMatchObject({
      state: 'passed',
      attempts: 2,
    });
    const csv = await fetch(`${base}/api/classes/${classId}/results.csv`, { headers: { cookie } });
    expect((await csv.text()).split('\n')[0]).toContain('make-a-file/make-file state');

    // Ken's machine: the same slug is no lesson of his.
    const his = await sessions.create(null, ken.id);
    const kenBearer = { authorization: `Bearer ${his.token}` };
    expect(
      (
        await call(
          'POST',
          `/api/sessions/${his.record.id}/exercises/make-a-file/make-file/check`,
          undefined,
          kenBearer,
        )
      ).status,
    ).toBe(404);
    expect(
      (
        await call(
          'POST',
          `/api/sessions/${his.record.id}/quizzes/make-a-file/why`,
          { answer: [0] },
          kenBearer,
        )
      ).status,
    ).toBe(404);
    expect(
      (await call('POST', `/api/sessions/${his.record.id}/lessons/make-a-file/setup`, undefined, kenBearer))
        .status,
    ).toBe(404);
  });
});

describe("a class lesson's page", () => {
  const badPage = '# Bad\n\nSome text.\n\n<script>alert(1)</script>\n\n::exercise{id=nope}\n';

  it('refuses a save whose page has problems, each on its line, and saves nothing', async () => {
    const { cookie, classId } = await instructorWithClass('pages-a');
    const path = `/api/classes/${classId}/exercises`;
    const res = await call(
      'POST',
      path,
      { slug: 'bad', page: badPage, exercises: lessonText().exercises },
      { cookie },
    );
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'bad_request', field: 'page' });
    expect(res.body.problems).toEqual([
      { in: 'page', line: 5, field: 'html', message: expect.stringMatching(/^Raw HTML is not allowed/) },
      {
        in: 'page',
        line: 7,
        field: '::exercise{id=nope}',
        message: expect.stringContaining('defined ids: make-file'),
      },
    ]);
    expect((await call('GET', path, undefined, { cookie })).body).toEqual({ exercises: [] });
  });

  it('validates a draft without saving it: the same problems, 200, for the class instructor only', async () => {
    const { cookie, classId } = await instructorWithClass('pages-b');
    const other = await instructorWithClass('pages-c');
    const path = `/api/classes/${classId}/exercises`;
    const draft = { page: badPage, exercises: lessonText().exercises.replace('kind: command', 'kind: nope') };
    const res = await call('POST', `${path}/validate`, draft, { cookie });
    expect(res.status).toBe(200);
    // The YAML does not pass, so its ids are unknown: the page's unknown id is not reported.
    expect(res.body).toEqual({
      problems: [
        { in: 'page', line: 5, field: 'html', message: expect.any(String) },
        { in: 'exercises', line: 8, field: 'exercises[0].checks[0].kind', message: expect.any(String) },
      ],
    });
    const good = await call('POST', `${path}/validate`, { slug: 'fine', ...lessonText() }, { cookie });
    expect(good).toMatchObject({ status: 200, body: { problems: [] } });
    const courseSlug = await call(
      'POST',
      `${path}/validate`,
      { slug: 'volumes', ...lessonText() },
      { cookie },
    );
    expect(courseSlug.body.problems).toEqual([
      { in: 'slug', line: null, field: 'slug', message: expect.any(String) },
    ]);
    expect((await call('GET', path, undefined, { cookie })).body).toEqual({ exercises: [] });

    expect((await call('POST', `${path}/validate`, draft, { cookie: other.cookie })).status).toBe(404);
    expect((await call('POST', `${path}/validate`, draft)).status).toBe(401);
    expect(
      (await call('POST', `${path}/validate`, draft, { cookie, origin: 'https://evil.example' })).status,
    ).toBe(403);
  });

  it('answers 429 to an instructor validating more than a few times a second', async () => {
    const { cookie, classId } = await instructorWithClass('pages-d');
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 8; i++) {
      const res = await call('POST', `/api/classes/${classId}/exercises/validate`, lessonText(), { cookie });
      statuses.push(res.status);
      retryAfter ??= res.headers.get('retry-after');
    }
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses).toContain(429);
    expect(retryAfter).toBe('1');
  });

  it('renders a version saved before pages were rendered when a learner first asks, and keeps its HTML', async () => {
    const { cookie, classId, code } = await instructorWithClass('pages-e');
    const ada = await learnerIn(code, 'Ada');
    // Saved as an older server did: no HTML.
    const { version } = lessons.save(classId, lessonInput('old-page'));
    expect(lessons.version(classId, 'old-page', version)?.html).toBeUndefined();
    await prove(cookie, classId, 'old-page');
    await call('POST', `/api/classes/${classId}/exercises/old-page/publish`, undefined, { cookie });
    const seen = await call('GET', '/api/learner/class-lessons/old-page', undefined, { cookie: ada.cookie });
    expect(seen.body.html).toContain('<div data-dockyard="exercise" data-id="make-file"></div>');
    expect(lessons.version(classId, 'old-page', version)?.html).toBe(seen.body.html);
  });
});

describe('importing a Killercoda scenario', () => {
  async function upload(classId: string, cookie: string, zip: Uint8Array, query = '') {
    const res = await fetch(`${base}/api/classes/${classId}/imports/killercoda${query}`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/zip' },
      body: Buffer.from(zip),
    });
    return { status: res.status, body: await res.json() };
  }

  it('saves a zip as a class lesson whose page and YAML pass validation as they are', async () => {
    const { cookie, classId } = await instructorWithClass('import-a');
    const zip = zipOf(readScenario('nginx-image'), 'nginx-image/');
    const res = await upload(classId, cookie, zip);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      slug: 'nginx-image',
      version: 1,
      report: expect.arrayContaining([{ file: expect.any(String), message: expect.any(String) }]),
    });
    const saved = (await call('GET', `/api/classes/${classId}/exercises/nginx-image`, undefined, { cookie }))
      .body;
    expect(saved.title).toBe('Build and run an nginx image');
    expect(saved.page).toMatch(/^# Build and run an nginx image\n\nPut a one-page site/);
    expect(saved.exercises).toMatch(/^exercises:/m);
    const again = await call(
      'POST',
      `/api/classes/${classId}/exercises/validate`,
      { slug: saved.slug, page: saved.page, exercises: saved.exercises },
      { cookie },
    );
    expect(again.body).toEqual({ problems: [] });
    // The same scenario again is the next version; ?slug= names another lesson.
    expect((await upload(classId, cookie, zip)).body).toMatchObject({ slug: 'nginx-image', version: 2 });
    expect((await upload(classId, cookie, zip, '?slug=my-nginx')).body).toMatchObject({
      slug: 'my-nginx',
      version: 1,
    });
  });

  it('imports pasted files (JSON)', async () => {
    const { cookie, classId } = await instructorWithClass('import-b');
    const files = Object.fromEntries(
      Object.entries(readScenario('flat-scenario')).map(([name, data]) => [
        name,
        Buffer.from(data).toString('utf8'),
      ]),
    );
    const res = await call(
      'POST',
      `/api/classes/${classId}/imports/killercoda`,
      { folder: 'ports', files },
      {
        cookie,
      },
    );
    expect(res).toMatchObject({ status: 201, body: { slug: 'ports', version: 1 } });
    const bad = await call(
      'POST',
      `/api/classes/${classId}/imports/killercoda`,
      { files: ['x'] },
      { cookie },
    );
    expect(bad.body.error).toMatchObject({ code: 'bad_request', field: 'files' });
  });

  it('answers 400 naming the file for a path with .. or a bad index.json, and saves nothing', async () => {
    const { cookie, classId } = await instructorWithClass('import-c');
    const escaping = await upload(
      classId,
      cookie,
      makeZip([{ name: '../index.json', data: '{}' }]),
      '?name=up.zip',
    );
    expect(escaping.status).toBe(400);
    expect(escaping.body).toEqual({
      error: { code: 'bad_request', field: 'file', message: expect.stringMatching(/^\.\.\/index\.json: /) },
      problems: [{ in: 'import', file: '../index.json', line: null, message: expect.any(String) }],
    });
    const badJson = await upload(
      classId,
      cookie,
      makeZip([{ name: 'index.json', data: '{\n  "title": \n}' }]),
    );
    expect(badJson.status).toBe(400);
    expect(badJson.body.error.message).toMatch(/^index\.json:3: /);
    expect(badJson.body.problems).toEqual([
      { in: 'import', file: 'index.json', line: 3, message: expect.any(String) },
    ]);
    expect((await call('GET', `/api/classes/${classId}/exercises`, undefined, { cookie })).body).toEqual({
      exercises: [],
    });
  });

  it('answers 413 past 50 MB, by its Content-Length or as it streams', async () => {
    const { cookie, classId } = await instructorWithClass('import-d');
    const { port } = server.address() as AddressInfo;
    /** Sends `bytes` of a body (declaring `declared` bytes, or chunked), and reads the answer. */
    const send = (bytes: number, declared?: number) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request({
          port,
          host: '127.0.0.1',
          method: 'POST',
          path: `/api/classes/${classId}/imports/killercoda`,
          headers: {
            cookie,
            'content-type': 'application/zip',
            ...(declared === undefined ? {} : { 'content-length': String(declared) }),
          },
        });
        req.on('response', (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
          res.on('end', () => resolve({ status: res.statusCode!, body }));
        });
        req.on('error', reject);
        const chunk = Buffer.alloc(1024 * 1024);
        for (let sent = 0; sent < bytes; sent += chunk.length) req.write(chunk);
        if (declared === undefined) req.end();
      });
    const declared = await send(1024 * 1024, 200 * 1024 * 1024);
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body).error.message).toMatch(/over 50 MB/);
    const streamed = await send(51 * 1024 * 1024);
    expect(streamed.status).toBe(413);
  }, 30_000);

  it("is for the class instructor only: another instructor's class 404", async () => {
    const a = await instructorWithClass('import-e');
    const b = await instructorWithClass('import-f');
    const zip = zipOf(readScenario('flat-scenario'));
    expect((await upload(a.classId, b.cookie, zip)).status).toBe(404);
    const res = await fetch(`${base}/api/classes/${a.classId}/imports/killercoda`, {
      method: 'POST',
      headers: { cookie: a.cookie, 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(res.status).toBe(415);
  });
});
