import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventStreamClient } from './helpers/event-stream-client.ts';
import { newInstructor } from './helpers/instructors.ts';
import { Platform } from './helpers/platform.ts';
import { leftovers } from './helpers/sandbox-host.ts';

const ADMIN = 'admin-test-token-0123456789';
const EXERCISE = 'first-container/run-hello-world';

// The live classroom on a real server and a real sandbox (docs/api.md, "Workshop classes"): the
// instructor's event stream shows a learner's failing check with its message, a broadcast reaches
// the learner's page stream, the results CSV has the learner, and another instructor gets 404.
describe('the live classroom', () => {
  const platform = new Platform({ DOCKYARD_INSTRUCTOR_TOKEN: ADMIN });
  const signIn = (username: string) => newInstructor(platform, ADMIN, username);
  let teacher: { cookie: string };
  let other: { cookie: string };
  let classId = '';
  let learner = { cookie: '' };
  const streams: EventStreamClient[] = [];

  beforeAll(async () => {
    await platform.start();
    teacher = await signIn('live-teacher');
    other = await signIn('live-other');
    const created = await platform.api(
      'POST',
      '/api/classes',
      { name: 'Live class', capacity: 5, lessons: ['first-container'] },
      undefined,
      teacher,
    );
    expect(created.status).toBe(201);
    classId = created.body.id;
    const joined = await fetch(`${platform.url}/api/classes/join`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: created.body.code, name: 'Ada' }),
    });
    expect(joined.status).toBe(200);
    learner = { cookie: joined.headers.get('set-cookie')!.split(';')[0]! };
  });
  afterAll(async () => {
    for (const s of streams) s.close();
    await platform.stop();
  });

  const open = async (path: string, headers: Record<string, string>) => {
    const stream = await EventStreamClient.open(platform.url + path, headers);
    streams.push(stream);
    return stream;
  };

  it("pushes a learner's failing check, with its message, to the instructor within 2 s", async () => {
    const roster = await open(`/api/classes/${classId}/events`, teacher);
    expect(roster.status).toBe(200);
    const first = await roster.waitFor((e) => e.event === 'roster');
    expect(first.data.learners).toMatchObject([
      { name: 'Ada', exercises: { [EXERCISE]: { state: 'not-started', attempts: 0 } } },
    ]);

    const session = await platform.session('first-container', learner.cookie);
    const from = roster.events.length;
    const check = await platform.api(
      'POST',
      `/api/sessions/${session.id}/exercises/${EXERCISE}/check`,
      undefined,
      session.token,
      learner,
    );
    expect(check.body.passed).toBe(false);
    const message = (check.body.checks as { passed: boolean; message: string }[]).find(
      (c) => !c.passed,
    )!.message;
    // Within 2 s of the check's answer.
    const update = await roster.waitFor(
      (e) => e.event === 'roster' && e.data.learners[0].exercises[EXERCISE].state === 'trying',
      2000,
      from,
    );
    expect(update.data.learners[0].exercises[EXERCISE]).toMatchObject({ attempts: 1, lastMessage: message });
    expect(update.data.summary[EXERCISE]).toEqual({ passed: 0, trying: 1, notStarted: 0 });

    // The page's own background check (an `auto` exercise) that fails is no attempt of the learner's.
    const background = await platform.api(
      'POST',
      `/api/sessions/${session.id}/exercises/${EXERCISE}/check?background=1`,
      undefined,
      session.token,
      learner,
    );
    expect(background.body.passed).toBe(false);
    const after = await platform.api('GET', `/api/classes/${classId}/roster`, undefined, undefined, teacher);
    expect(after.body.learners[0].exercises[EXERCISE]).toMatchObject({ attempts: 1 });
  });

  it("delivers a broadcast to the learner's page stream", async () => {
    const page = await open('/api/learner/events', learner);
    expect(page.status).toBe(200);
    const sent = await platform.api(
      'POST',
      `/api/classes/${classId}/broadcast`,
      { message: 'Break until 11:00' },
      undefined,
      teacher,
    );
    expect(sent.status).toBe(204);
    const got = await page.waitFor((e) => e.event === 'broadcast', 2000);
    expect(got.data).toMatchObject({ message: 'Break until 11:00', className: 'Live class' });
  });

  it('answers the results as CSV with the learner in it', async () => {
    const res = await fetch(`${platform.url}/api/classes/${classId}/results.csv`, { headers: teacher });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const lines = (await res.text()).trimEnd().split('\r\n');
    expect(lines[0]).toContain(`name,${EXERCISE} state,${EXERCISE} attempts`);
    expect(lines).toContainEqual(expect.stringMatching(/^Ada,trying,1(,|$)/));
  });

  it("answers another instructor's stream 404, a learner's cookie 403", async () => {
    expect((await open(`/api/classes/${classId}/events`, other)).status).toBe(404);
    expect((await open(`/api/classes/${classId}/events`, learner)).status).toBe(403);
  });

  // Last: it ends the class.
  it("ends the class: the learner's machine is removed and they are told why; the results stay", async () => {
    const roster = await open(`/api/classes/${classId}/events`, teacher);
    await roster.waitFor((e) => e.event === 'roster');
    const session = await platform.session('first-container', learner.cookie);
    expect(await leftovers(session.id)).not.toEqual([]);

    const ended = await platform.api('DELETE', `/api/classes/${classId}`, undefined, undefined, teacher);
    expect(ended.status).toBe(204);
    await roster.waitFor((e) => e.event === 'ended', 2000);
    // The machine's token opens nothing at once, and says why.
    const gone = await platform.api('GET', `/api/sessions/${session.id}`, undefined, session.token, learner);
    expect(gone.status).toBe(404);
    expect(gone.body.error).toMatchObject({
      code: 'class_ended',
      message: expect.stringContaining('Live class'),
    });
    // The machine itself goes from the host within a few seconds.
    const deadline = Date.now() + 30_000;
    while ((await leftovers(session.id)).length > 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 500));
    expect(await leftovers(session.id)).toEqual([]);

    const res = await fetch(`${platform.url}/api/classes/${classId}/results.csv`, { headers: teacher });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/\r\nAda,trying,1/);
  });
});
