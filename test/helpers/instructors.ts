import type { Platform } from './platform.ts';

export const INSTRUCTOR_PASSWORD = 'a long enough password';

// Used by tests and benchmarks alike, so failures throw rather than use vitest's expect.

/** Makes an instructor account with the admin token and signs it in: the cookie header to send. */
export async function newInstructor(
  platform: Platform,
  adminToken: string,
  username: string,
): Promise<{ cookie: string }> {
  const made = await platform.api(
    'POST',
    '/api/instructors',
    { username, password: INSTRUCTOR_PASSWORD },
    adminToken,
  );
  if (made.status !== 201)
    throw new Error(`instructor not made: ${made.status} ${JSON.stringify(made.body)}`);
  return signInInstructor(platform, username);
}

/** Signs an existing instructor in: `{ cookie }`, ready for `platform.api`'s headers. */
export async function signInInstructor(platform: Platform, username: string): Promise<{ cookie: string }> {
  const res = await fetch(`${platform.url}/api/instructor/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: INSTRUCTOR_PASSWORD }),
  });
  if (res.status !== 204) throw new Error(`instructor not signed in: ${res.status}`);
  return { cookie: res.headers.get('set-cookie')!.split(';')[0]! };
}

/** Makes a class and joins one learner to it: the class id and the learner's cookie header. */
export async function classWithLearner(
  platform: Platform,
  instructor: { cookie: string },
  name: string,
  learnerName: string,
): Promise<{ classId: string; learner: { cookie: string } }> {
  const created = await platform.api(
    'POST',
    '/api/classes',
    { name, capacity: 5, lessons: ['first-container'] },
    undefined,
    instructor,
  );
  if (created.status !== 201)
    throw new Error(`class not made: ${created.status} ${JSON.stringify(created.body)}`);
  const joined = await fetch(`${platform.url}/api/classes/join`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code: created.body.code, name: learnerName }),
  });
  if (joined.status !== 200) throw new Error(`learner did not join: ${joined.status}`);
  return { classId: created.body.id, learner: { cookie: joined.headers.get('set-cookie')!.split(';')[0]! } };
}
