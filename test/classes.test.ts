import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSTRUCTOR_PASSWORD as PASSWORD, signInInstructor } from './helpers/instructors.ts';
import { Platform } from './helpers/platform.ts';
import { leftovers, sandboxesOf } from './helpers/sandbox-host.ts';

const ADMIN = 'admin-test-token-0123456789';

// Workshop classes on a real server (docs/api.md, "Classes"): instructor accounts made with the
// admin token, sign-in cookies, classes kept to their instructor, joining with the code, capacity,
// the end time, and the rate limit on sign-in.
describe('workshop classes', () => {
  const platform = new Platform({ DOCKYARD_INSTRUCTOR_TOKEN: ADMIN });
  /** Signs an instructor in and answers the cookie their browser would send back. */
  const signIn = (username: string) => signInInstructor(platform, username);
  let a: { cookie: string };
  let b: { cookie: string };

  beforeAll(async () => {
    await platform.start();
    for (const username of ['teacher-a', 'teacher-b']) {
      const made = await platform.api('POST', '/api/instructors', { username, password: PASSWORD }, ADMIN);
      expect(made.status).toBe(201);
    }
    a = await signIn('teacher-a');
    b = await signIn('teacher-b');
  });
  afterAll(() => platform.stop());

  it('makes instructor accounts with the admin token only', async () => {
    const body = { username: 'teacher-c', password: PASSWORD };
    expect((await platform.api('POST', '/api/instructors', body)).status).toBe(401);
    expect((await platform.api('POST', '/api/instructors', body, 'not-the-token')).status).toBe(403);
    expect(
      (await platform.api('POST', '/api/instructors', { ...body, username: 'teacher-a' }, ADMIN)).status,
    ).toBe(409);
    // The old class view still opens with the same token.
    expect((await platform.api('GET', '/api/instructor/class', undefined, ADMIN)).status).toBe(200);
  });

  it("keeps a class to its instructor: another's answers 404, a learner 403, nobody 401", async () => {
    const created = await platform.api(
      'POST',
      '/api/classes',
      { name: 'Morning', capacity: 5 },
      undefined,
      a,
    );
    expect(created.status).toBe(201);
    expect(created.body.code).toMatch(/^[2-9A-HJKMNP-Z]{6,8}$/);
    expect(created.body.joinUrl).toBe(`${platform.url}/?class=${created.body.code}`);
    const id = created.body.id as string;

    expect((await platform.api('GET', '/api/classes', undefined, undefined, a)).body.classes).toMatchObject([
      { id, name: 'Morning' },
    ]);
    expect((await platform.api('GET', '/api/classes', undefined, undefined, b)).body.classes).toEqual([]);
    expect((await platform.api('GET', `/api/classes/${id}/roster`, undefined, undefined, b)).status).toBe(
      404,
    );
    expect((await platform.api('DELETE', `/api/classes/${id}`, undefined, undefined, b)).status).toBe(404);
    const learner = { cookie: `dockyard_learner=${'ef'.repeat(16)}` };
    expect(
      (await platform.api('GET', `/api/classes/${id}/roster`, undefined, undefined, learner)).status,
    ).toBe(403);
    expect((await platform.api('GET', `/api/classes/${id}/roster`)).status).toBe(401);
    // Still A's, still running.
    expect((await platform.api('GET', '/api/classes', undefined, undefined, a)).body.classes[0].over).toBe(
      false,
    );
  });

  it('lets learners join with the code until the class is full, and shows them on the roster', async () => {
    const { body: created } = await platform.api(
      'POST',
      '/api/classes',
      { name: 'Small', capacity: 1, lessons: ['first-container'] },
      undefined,
      a,
    );
    const joined = await platform.api('POST', '/api/classes/join', { code: created.code, name: 'Ada 🐳' });
    expect(joined).toMatchObject({ status: 200, body: { classId: created.id, name: 'Ada 🐳' } });
    const full = await platform.api('POST', '/api/classes/join', { code: created.code, name: 'Grace' });
    expect(full.status).toBe(409);
    expect(full.body.error.message).toBe(
      'This class is full (1 learners): ask your instructor to make room.',
    );
    expect((await platform.api('POST', '/api/classes/join', { code: 'ZZZZZZ', name: 'Grace' })).status).toBe(
      404,
    );

    const roster = await platform.api('GET', `/api/classes/${created.id}/roster`, undefined, undefined, a);
    expect(roster.body.learners).toMatchObject([
      {
        name: 'Ada 🐳',
        machine: null,
        exercises: { 'first-container/run-hello-world': { state: 'not-started' } },
      },
    ]);
  });

  it('refuses a join once the class is past its end time, or ended', async () => {
    const endsAt = new Date(Date.now() + 2000).toISOString();
    const { body: timed } = await platform.api(
      'POST',
      '/api/classes',
      { name: 'Short', capacity: 5, endsAt },
      undefined,
      a,
    );
    expect(
      (await platform.api('POST', '/api/classes/join', { code: timed.code, name: 'Early' })).status,
    ).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const late = await platform.api('POST', '/api/classes/join', { code: timed.code, name: 'Late' });
    expect(late.status).toBe(410);
    expect(late.body.error.message).toBe('This class has ended: ask your instructor for a new code.');

    const { body: ended } = await platform.api(
      'POST',
      '/api/classes',
      { name: 'Ended', capacity: 5 },
      undefined,
      a,
    );
    expect((await platform.api('DELETE', `/api/classes/${ended.id}`, undefined, undefined, a)).status).toBe(
      204,
    );
    expect((await platform.api('POST', '/api/classes/join', { code: ended.code, name: 'Late' })).status).toBe(
      410,
    );
  });

  it('boots a starting class its pre-warm, gives it to its learners, and lets it go when the class ends', async () => {
    const pool = async () => (await platform.api('GET', '/api/health')).body.pool;
    const waitForPool = async (want: { ready: number; size: number }) => {
      const deadline = Date.now() + 90_000;
      while (Date.now() < deadline) {
        const now = await pool();
        if (now.ready === want.ready && now.size === want.size) return;
        await new Promise((r) => setTimeout(r, 500));
      }
      expect({ want, pool: await pool() }).toEqual({ want, pool: expect.objectContaining(want) });
    };
    // This server keeps no warm machine for the public.
    expect(await pool()).toMatchObject({ ready: 0, size: 0 });
    const { body: made } = await platform.api(
      'POST',
      '/api/classes',
      { name: 'Pre-warmed', capacity: 5, prewarm: 2 },
      undefined,
      a,
    );
    await waitForPool({ ready: 2, size: 2 });

    // A learner of the class gets one of them, with no boot: the pool aims at one less.
    const joined = await fetch(`${platform.url}/api/classes/join`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: made.code, name: 'Early bird' }),
    });
    const cookie = joined.headers.get('set-cookie')!.split(';')[0]!;
    const warm = await sandboxesOf(platform.instance);
    expect(warm).toHaveLength(2);
    const session = await platform.session('first-container', cookie);
    // The learner's machine is one of the two that were booted before they came.
    expect(warm).toEqual(expect.arrayContaining(await leftovers(session.id)));
    expect(await leftovers(session.id)).toHaveLength(1);
    await waitForPool({ ready: 1, size: 1 });

    // The class ends: the warm machine left for it goes, and so does the learner's.
    expect((await platform.api('DELETE', `/api/classes/${made.id}`, undefined, undefined, a)).status).toBe(
      204,
    );
    await waitForPool({ ready: 0, size: 0 });
    // Both are gone from the host, not just from the pool's count.
    const deadline = Date.now() + 60_000;
    while ((await sandboxesOf(platform.instance)).length > 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 500));
    expect(await sandboxesOf(platform.instance)).toEqual([]);
  }, 300_000);

  // Last: it uses up this address's sign-ins for a minute.
  it('answers sign-in attempts past five a minute from one address with 429 and Retry-After', async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${platform.url}/api/instructor/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'teacher-a', password: `wrong guess ${i}` }),
      });
      statuses.push(res.status);
      if (res.status === 429) {
        retryAfter = res.headers.get('retry-after');
        break;
      }
    }
    // Five a minute: the sign-ins of beforeAll count too while that minute lasts, so the refusal
    // comes after three to five wrong guesses, and no later.
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.slice(0, -1).every((s) => s === 401)).toBe(true);
    expect(statuses.length).toBeGreaterThanOrEqual(4);
    expect(Number(retryAfter)).toBeGreaterThan(0);
  });
});
