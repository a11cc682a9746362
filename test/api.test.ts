import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runtime } from './helpers/sandbox-host.ts';
import { Platform } from './helpers/platform.ts';

// The JSON API's answers to right and wrong calls (docs/api.md). Sandboxes are real.
describe('HTTP API', () => {
  const platform = new Platform();
  let session: { id: string; token: string };

  beforeAll(async () => {
    await platform.start();
    session = await platform.session('first-container');
  });
  afterAll(async () => {
    await platform.api('DELETE', `/api/sessions/${session.id}`, undefined, session.token);
    await platform.stop();
  });

  it('reports health once the engine and image are ready', async () => {
    const res = await platform.api('GET', '/api/health');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true, firewall: true, runtime });
    if (runtime === 'incus') {
      expect(res.body.sandboxImage).toMatch(/^dockyard-sandbox-/);
      expect(res.body.sandboxDisk).toBe(10 * 1024 ** 3);
      expect(res.body.warning).toBeUndefined();
    } else {
      expect(res.body.sandboxImage).toMatch(/^dockyard\/sandbox:/);
      expect(res.body.warning).toContain('near-root power over this host');
    }
  });

  it('lists the course in order with exercise ids and titles', async () => {
    const res = await platform.api('GET', '/api/lessons');
    expect(res.status).toBe(200);
    expect(res.body[0]).toMatchObject({ slug: 'first-container', title: expect.any(String) });
    // Lesson 1's exercise is checked as the learner works (`auto`), and the list says so.
    expect(res.body[0].exercises).toContainEqual({
      id: 'run-hello-world',
      title: expect.any(String),
      auto: true,
    });
    // Nothing of the checks or solve scripts leaks through this endpoint.
    expect(JSON.stringify(res.body)).not.toMatch(/solve|checks/);
  });

  it('creates sessions with a 128-bit token and an expiry', async () => {
    const res = await platform.api('POST', '/api/sessions', {});
    expect(res.status).toBe(201);
    expect(Buffer.from(res.body.token, 'base64url').length).toBeGreaterThanOrEqual(16);
    expect(new Date(res.body.expiresAt).getTime()).toBeGreaterThan(Date.now());
    expect(
      (await platform.api('DELETE', `/api/sessions/${res.body.id}`, undefined, res.body.token)).status,
    ).toBe(204);
  });

  it("gives a learner's second tab, on any lesson, their live session instead of a second machine", async () => {
    const cookie = { cookie: `dockyard_learner=${'ab'.repeat(16)}` };
    const first = await platform.api('POST', '/api/sessions', { lesson: 'volumes' }, undefined, cookie);
    expect(first.status).toBe(201);
    const second = await platform.api('POST', '/api/sessions', { lesson: 'volumes' }, undefined, cookie);
    expect(second.status).toBe(200);
    expect(second.body.id).toBe(first.body.id);
    expect(second.body.token).not.toBe(first.body.token);
    // Both tabs' tokens open it; another lesson uses the same machine too (one machine per learner,
    // DOCKYARD_SESSIONS_PER_LEARNER's default).
    for (const token of [first.body.token, second.body.token])
      expect((await platform.api('GET', `/api/sessions/${first.body.id}`, undefined, token)).status).toBe(
        200,
      );
    const other = await platform.api(
      'POST',
      '/api/sessions',
      { lesson: 'first-container' },
      undefined,
      cookie,
    );
    expect(other.status).toBe(200);
    expect(other.body.id).toBe(first.body.id);
    await platform.api('DELETE', `/api/sessions/${first.body.id}`, undefined, first.body.token);
  });

  it('refuses a missing token (401), a wrong token (403) and an unknown session (404) in JSON', async () => {
    const checkPath = `/api/sessions/${session.id}/exercises/first-container/run-hello-world/check`;
    const missing = await platform.api('POST', checkPath);
    expect(missing.status).toBe(401);
    expect(missing.body.error.code).toBe('unauthorized');
    const other = await platform.api('POST', '/api/sessions', {});
    const wrong = await platform.api('POST', checkPath, undefined, other.body.token);
    expect(wrong.status).toBe(403);
    expect(
      (await platform.api('DELETE', `/api/sessions/${session.id}`, undefined, other.body.token)).status,
    ).toBe(403);
    const unknown = await platform.api('GET', '/api/sessions/ffffffffffffffff', undefined, session.token);
    expect(unknown.status).toBe(404);
    await platform.api('DELETE', `/api/sessions/${other.body.id}`, undefined, other.body.token);
  });

  it('answers malformed bodies with 400 naming the field, oversized ones with 413', async () => {
    const badLesson = await platform.api('POST', '/api/sessions', { lesson: 42 });
    expect(badLesson.status).toBe(400);
    expect(badLesson.body.error.field).toBe('lesson');
    const unknownLesson = await platform.api('POST', '/api/sessions', { lesson: 'no-such-lesson' });
    expect(unknownLesson.status).toBe(400);
    expect(unknownLesson.body.error.message).toMatch(/no-such-lesson/);
    const notJson = await platform.api('POST', '/api/sessions', '{"lesson":');
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.message).toMatch(/JSON/);
    const array = await platform.api('POST', '/api/sessions', '[1,2]');
    expect(array.status).toBe(400);
    const huge = await platform.api('POST', '/api/sessions', JSON.stringify({ lesson: 'x'.repeat(100_000) }));
    expect(huge.status).toBe(413);
  });

  it('answers unknown endpoints, exercises and methods in JSON without a stack trace', async () => {
    const unknownPath = await platform.api('GET', '/api/nope');
    expect(unknownPath.status).toBe(404);
    const method = await platform.api('PUT', '/api/lessons');
    expect(method.status).toBe(405);
    const exercise = await platform.api(
      'POST',
      `/api/sessions/${session.id}/exercises/first-container/nope/check`,
      undefined,
      session.token,
    );
    expect(exercise.status).toBe(404);
    expect(exercise.body.error.message).toMatch(/nope/);
    for (const res of [unknownPath, method, exercise])
      expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts:\d+/);
    // The server is still serving.
    expect((await platform.api('GET', '/api/health')).status).toBe(200);
  });

  it('serves the built site on the same port', async () => {
    const index = await fetch(platform.url + '/');
    expect(index.status).toBe(200);
    expect(await index.text()).toMatch(/Dockyard/);
    const lesson = await fetch(platform.url + '/lessons/first-container/');
    expect(lesson.status).toBe(200);
    expect((await fetch(platform.url + '/../../etc/passwd')).status).toBe(404);
  });
});
