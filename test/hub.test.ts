import crypto from 'node:crypto';
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inSandbox } from './helpers/sandbox-host.ts';
import { Platform } from './helpers/platform.ts';
import { TerminalClient } from './helpers/terminal-client.ts';

interface Learner {
  id: string;
  token: string;
  username: string;
  password: string;
}

/** GET on the hub front from the host, as a sandbox would (Host header = Docker Hub's name). */
function hubGet(
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      {
        host: '127.0.0.1',
        port: 5443,
        path,
        headers: { host: 'auth.docker.io', ...headers },
        rejectUnauthorized: false,
      },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
  });
}

// The lab hub as the course uses it: Docker Hub's names, logins, pushes, namespaces, the apt proxy.
describe('lab hub', () => {
  const platform = new Platform();
  let alice: Learner;
  let bob: Learner;

  const learner = async (): Promise<Learner> => {
    const s = await platform.session();
    const hub = await platform.api('GET', `/api/sessions/${s.id}/hub`, undefined, s.token);
    expect(hub.status).toBe(200);
    return { ...s, username: hub.body.username, password: hub.body.password };
  };
  const login = (l: Learner) =>
    inSandbox(l.id, `cd ~ && printf '%s' '${l.password}' | docker login -u ${l.username} --password-stdin`);

  beforeAll(async () => {
    await platform.start();
    [alice, bob] = await Promise.all([learner(), learner()]);
  });
  afterAll(async () => {
    for (const l of [alice, bob]) await platform.api('DELETE', `/api/sessions/${l.id}`, undefined, l.token);
    await platform.stop();
  });

  it('gives each learner their own credentials, to their session only', async () => {
    expect(alice.username).toMatch(/^[a-z]+[0-9]+$/);
    expect(alice.username).not.toBe(bob.username);
    const hub = await platform.api('GET', `/api/sessions/${alice.id}/hub`, undefined, alice.token);
    expect(hub.body).toEqual({ registry: 'docker.io', username: alice.username, password: alice.password });
    expect((await platform.api('GET', `/api/sessions/${alice.id}/hub`)).status).toBe(401);
    expect((await platform.api('GET', `/api/sessions/${alice.id}/hub`, undefined, bob.token)).status).toBe(
      403,
    );
  });

  it('asks for Username and Password on a plain `docker login`, and accepts the right ones', async () => {
    const term = await TerminalClient.open(
      `${platform.wsUrl}/api/sessions/${alice.id}/terminal?token=${alice.token}`,
    );
    await term.waitFor(/learner@dockyard:~\$/);
    term.type('docker login\r');
    await term.waitFor(/Username: ?$/m);
    term.type(`${alice.username}\r`);
    await term.waitFor(/Password: ?$/m);
    term.type(`${alice.password}\r`);
    await term.waitFor(/Login Succeeded/);
    await term.close();
  });

  it('refuses a wrong password with a clear message', async () => {
    const r = await inSandbox(bob.id, `printf 'wrong' | docker login -u ${bob.username} --password-stdin`);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/incorrect username or password/);
  });

  it('builds with apt through the package proxy, pushes to the own namespace, refuses others', async () => {
    await login(alice);
    const build = await inSandbox(
      alice.id,
      `mkdir -p ~/hello && cd ~/hello && printf 'FROM debian\\nRUN apt-get update && apt-get install -y --no-install-recommends python3 python3-pip && rm -rf /var/lib/apt/lists/*\\nCMD ["python3", "-c", "print(42)"]\\n' > Dockerfile && docker build -t ${alice.username}/my-first-docker-image:latest . 2>&1`,
    );
    expect(build.code, build.stdout + build.stderr).toBe(0);
    const push = await inSandbox(alice.id, `docker push ${alice.username}/my-first-docker-image 2>&1`);
    expect(push.code, push.stdout).toBe(0);
    expect(push.stdout).toMatch(/latest: digest: sha256:/);

    const foreign = await inSandbox(
      alice.id,
      `docker tag ${alice.username}/my-first-docker-image ${bob.username}/stolen && docker push ${bob.username}/stolen 2>&1`,
    );
    expect(foreign.code).not.toBe(0);
    expect(foreign.stdout).toMatch(/denied: requested access to the resource is denied/);
    const library = await inSandbox(
      alice.id,
      `docker tag ${alice.username}/my-first-docker-image library/debian:mine 2>&1; docker push library/debian:mine 2>&1`,
    );
    expect(library.code).not.toBe(0);
    expect(library.stdout).toMatch(/denied/);
  }, 300_000);

  it("refuses to pull another learner's repository", async () => {
    await login(bob);
    const pull = await inSandbox(bob.id, `docker pull ${alice.username}/my-first-docker-image 2>&1`);
    expect(pull.code).not.toBe(0);
    expect(pull.stdout).toMatch(/pull access denied|denied/);
  });

  it("lists the learner's repository with tag, size and push time", async () => {
    const res = await platform.api(
      'GET',
      `/api/sessions/${alice.id}/hub/repositories`,
      undefined,
      alice.token,
    );
    expect(res.status).toBe(200);
    const repo = res.body.repositories.find(
      (r: { name: string }) => r.name === `${alice.username}/my-first-docker-image`,
    );
    expect(repo.tags[0].tag).toBe('latest');
    expect(repo.tags[0].sizeBytes).toBeGreaterThan(1_000_000);
    expect(Date.now() - new Date(repo.tags[0].pushedAt).getTime()).toBeLessThan(10 * 60_000);
    const bobs = await platform.api('GET', `/api/sessions/${bob.id}/hub/repositories`, undefined, bob.token);
    expect(bobs.body.repositories).toEqual([]);
  });

  it('keeps a pushed image across a restart of the server and its registry', async () => {
    await platform.stop('SIGKILL');
    await platform.start();
    const pull = await inSandbox(
      alice.id,
      `docker rmi ${alice.username}/my-first-docker-image >/dev/null && docker pull ${alice.username}/my-first-docker-image 2>&1 && docker run --rm ${alice.username}/my-first-docker-image`,
    );
    expect(pull.code, pull.stdout).toBe(0);
    expect(pull.stdout.trim().split('\n').pop()).toBe('42');
  }, 120_000);

  it('gives a returning learner the same account and their pushed images in a new session', async () => {
    const created = await fetch(platform.url + '/api/sessions', { method: 'POST', body: '{}' });
    expect(created.status).toBe(201);
    const { id, token } = (await created.json()) as { id: string; token: string };
    expect(created.headers.get('set-cookie')).toMatch(/^dockyard_learner=[0-9a-f]{32};.*HttpOnly/);
    await platform.api('DELETE', `/api/sessions/${id}`, undefined, token);

    const cookie = `dockyard_learner=${crypto.randomBytes(16).toString('hex')}`;
    const account = async (s: { id: string; token: string }) =>
      (await platform.api('GET', `/api/sessions/${s.id}/hub`, undefined, s.token)).body as Learner;
    const today = await platform.session(undefined, cookie);
    const mine = await account(today);
    await login({ ...today, ...mine });
    const push = await inSandbox(
      today.id,
      `docker pull -q busybox >/dev/null && docker tag busybox ${mine.username}/keepsake:v1 && docker push ${mine.username}/keepsake:v1 2>&1`,
    );
    expect(push.code, push.stdout).toBe(0);
    await platform.api('DELETE', `/api/sessions/${today.id}`, undefined, today.token);

    const tomorrow = await platform.session(undefined, cookie);
    const again = await account(tomorrow);
    expect(again.username).toBe(mine.username);
    expect(again.password).toBe(mine.password);
    await login({ ...tomorrow, ...again });
    const pull = await inSandbox(tomorrow.id, `docker pull ${mine.username}/keepsake:v1 2>&1`);
    expect(pull.code, pull.stdout).toBe(0);
    const listed = await platform.api(
      'GET',
      `/api/sessions/${tomorrow.id}/hub/repositories`,
      undefined,
      tomorrow.token,
    );
    expect(listed.body.repositories.map((r: { name: string }) => r.name)).toContain(
      `${mine.username}/keepsake`,
    );

    // Another learner (another cookie) gets an account of their own.
    const stranger = await platform.session(
      undefined,
      `dockyard_learner=${crypto.randomBytes(16).toString('hex')}`,
    );
    expect((await account(stranger)).username).not.toBe(mine.username);
    for (const s of [tomorrow, stranger])
      await platform.api('DELETE', `/api/sessions/${s.id}`, undefined, s.token);
  }, 180_000);

  it('answers malformed token requests with clear 4xx errors', async () => {
    const badScope = await hubGet(
      `/token?service=registry.docker.io&scope=${encodeURIComponent('repository:Bad_Name!:pull')}`,
    );
    expect(badScope.status).toBe(400);
    expect(badScope.body).toMatch(/not a valid repository name/);
    const badActions = await hubGet('/token?scope=repository:library/debian:fly');
    expect(badActions.status).toBe(400);
    const badService = await hubGet('/token?service=evil.example');
    expect(badService.status).toBe(400);
    const badAuth = await hubGet('/token', { authorization: 'Basic !!!' });
    expect(badAuth.status).toBe(400);
    const wrong = await hubGet('/token', {
      authorization: `Basic ${Buffer.from('nobody1:x').toString('base64')}`,
    });
    expect(wrong.status).toBe(401);
    const huge = await hubGet(`/token?scope=${'x'.repeat(20_000)}`);
    expect(huge.status).toBeGreaterThanOrEqual(400);
    expect(huge.status).toBeLessThan(500);
    // Anonymous pull of the library is granted; push is not.
    const anon = await hubGet('/token?service=registry.docker.io&scope=repository:library/debian:pull,push');
    const claims = JSON.parse(Buffer.from(JSON.parse(anon.body).token.split('.')[1], 'base64url').toString());
    expect(claims.access).toEqual([{ type: 'repository', name: 'library/debian', actions: ['pull'] }]);
  });
});
