import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inSandbox } from './helpers/sandbox-host.ts';
import { Platform } from './helpers/platform.ts';

// Each learner's hub space is bounded (DOCKYARD_HUB_QUOTA): once full, pushes are refused with a
// sentence saying how to make room, and deleting a repository makes room again.
describe('hub space per learner', () => {
  // Smaller than any image: the first push may start (the namespace is empty), the next may not.
  const platform = new Platform({ DOCKYARD_HUB_QUOTA: '1k' });
  let session: { id: string; token: string };
  let username = '';
  const sh = (script: string) => inSandbox(session.id, script);
  const repositories = async () =>
    (await platform.api('GET', `/api/sessions/${session.id}/hub/repositories`, undefined, session.token))
      .body as { repositories: { name: string }[]; usedBytes: number; quotaBytes: number };

  beforeAll(async () => {
    await platform.start();
    session = await platform.session();
    const hub = await platform.api('GET', `/api/sessions/${session.id}/hub`, undefined, session.token);
    username = hub.body.username;
    const login = await sh(
      `docker pull -q busybox >/dev/null && printf '%s' '${hub.body.password}' | docker login -u ${username} --password-stdin 2>&1`,
    );
    expect(login.code, login.stdout).toBe(0);
  }, 120_000);
  afterAll(async () => {
    if (session) await platform.api('DELETE', `/api/sessions/${session.id}`, undefined, session.token);
    await platform.stop();
  });

  it('refuses a push into a full namespace, saying how to make room', async () => {
    const first = await sh(
      `docker tag busybox ${username}/first:v1 && docker push ${username}/first:v1 2>&1`,
    );
    expect(first.code, first.stdout).toBe(0);
    const usage = await repositories();
    expect(usage.quotaBytes).toBe(1024);
    expect(usage.usedBytes).toBeGreaterThan(1_000_000);

    const second = await sh(
      `mkdir -p ~/second && cd ~/second && printf 'FROM busybox\\nRUN echo more > /more\\n' > Dockerfile && docker build -q -t ${username}/second:v1 . >/dev/null && docker push ${username}/second:v1 2>&1`,
    );
    expect(second.code).not.toBe(0);
    expect(second.stdout).toMatch(/denied: your hub space is full \([\d.]+ MB of 1 kB used\)/);
    expect(second.stdout).toMatch(/Delete repositories you no longer need on the Hub page/);
    expect((await repositories()).repositories.map((r) => r.name)).toEqual([`${username}/first`]);
  }, 120_000);

  it("deletes only the learner's own repositories, and deleting makes room", async () => {
    const del = (name: string, token = session.token) =>
      platform.api('DELETE', `/api/sessions/${session.id}/hub/repositories/${name}`, undefined, token);
    expect((await del('library/debian')).status).toBe(403);
    expect((await del('someoneelse123/first')).status).toBe(403);
    expect((await del(`${username}/never-pushed`)).status).toBe(404);
    expect((await del(`${username}/first`, 'wrong-token')).status).toBe(403);
    expect((await del(`${username}/Bad..Name`)).status).toBe(404);

    expect((await del(`${username}/first`)).status).toBe(204);
    const after = await repositories();
    expect(after.repositories).toEqual([]);
    expect(after.usedBytes).toBe(0);
    const again = await sh(`docker push ${username}/second:v1 2>&1`);
    expect(again.code, again.stdout).toBe(0);
  }, 120_000);
});
