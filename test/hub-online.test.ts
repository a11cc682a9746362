import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker } from './helpers/docker-cli.ts';
import { inSandbox } from './helpers/sandbox-host.ts';
import { readLibrary } from './helpers/library.ts';
import { Platform } from './helpers/platform.ts';

const UPSTREAM_PORT = 5096;
const MIRROR_PORT = 5097;
const upstream = `127.0.0.1:${UPSTREAM_PORT}`;

/** Waits until a registry answers /v2/ on a loopback port. */
async function registryAnswers(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/v2/`).then(
      (r) => r.status === 200 || r.status === 401,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no registry answers on port ${port}`);
}

// The optional online mode (DOCKYARD_HUB_UPSTREAM): images the library lacks are pulled through
// from an upstream registry. Docker Hub is out of reach here, so a real distribution registry on
// loopback plays it, holding images the lab's library does not have.
describe('the lab hub in online mode', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-upstream-'));
  const platform = new Platform({
    DOCKYARD_HUB_UPSTREAM: `http://${upstream}`,
    DOCKYARD_HUB_MIRROR_PORT: String(MIRROR_PORT),
    DOCKYARD_HUB_MIRROR_DIR: path.join(dir, 'mirror'),
  });
  let registry: ChildProcess;
  let session: { id: string; token: string };
  const sh = (script: string) => inSandbox(session.id, script);

  beforeAll(async () => {
    const config = path.join(dir, 'upstream.yml');
    fs.writeFileSync(
      config,
      `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/storage\nhttp:\n  addr: ${upstream}\n`,
    );
    registry = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
    await registryAnswers(UPSTREAM_PORT);
    // "Docker Hub" gets an official image the library lacks and an image of some organisation.
    const busybox = readLibrary().busybox!.local;
    for (const name of ['library/offsite:1.0', 'acme/tool:2']) {
      for (const args of [
        ['tag', busybox, `${upstream}/${name}`],
        ['push', `${upstream}/${name}`],
        ['rmi', `${upstream}/${name}`],
      ]) {
        const r = await docker(...args);
        expect(r.code, r.stderr).toBe(0);
      }
    }
    await platform.start();
    session = await platform.session();
  }, 240_000);
  afterAll(async () => {
    if (session) await platform.api('DELETE', `/api/sessions/${session.id}`, undefined, session.token);
    await platform.stop();
    registry?.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reports the upstream in health', async () => {
    const health = await platform.api('GET', '/api/health');
    expect(health.body.hubUpstream).toBe(`http://${upstream}`);
  });

  it('pulls images the library lacks from upstream, by their plain names', async () => {
    const official = await sh(
      'docker pull offsite:1.0 2>&1 && docker run --rm offsite:1.0 echo pulled-through',
    );
    expect(official.code, official.stdout).toBe(0);
    expect(official.stdout).toMatch(/pulled-through/);
    const organisation = await sh('docker pull acme/tool:2 2>&1');
    expect(organisation.code, organisation.stdout).toBe(0);
    // The mirror kept a copy: the manifest is now in its own storage.
    expect(
      fs.existsSync(path.join(dir, 'mirror', 'docker', 'registry', 'v2', 'repositories', 'acme', 'tool')),
    ).toBe(true);
  }, 180_000);

  it('says plainly when upstream has no such image', async () => {
    const missing = await sh('docker pull nosuchimage 2>&1');
    expect(missing.code).not.toBe(0);
    expect(missing.stdout).toMatch(/not found|manifest unknown/i);
  });

  it("keeps the library and learners' namespaces in the lab, and upstream read-only", async () => {
    // debian exists only in the lab's library: routed upstream, this pull would fail.
    const library = await sh('docker pull debian 2>&1');
    expect(library.code, library.stdout).toBe(0);
    const hub = await platform.api('GET', `/api/sessions/${session.id}/hub`, undefined, session.token);
    const { username, password } = hub.body as { username: string; password: string };
    const login = await sh(`printf '%s' '${password}' | docker login -u ${username} --password-stdin 2>&1`);
    expect(login.code, login.stdout).toBe(0);
    const own = await sh(
      `docker tag acme/tool:2 ${username}/tool:mine && docker push ${username}/tool:mine 2>&1`,
    );
    expect(own.code, own.stdout).toBe(0);
    const repos = await platform.api(
      'GET',
      `/api/sessions/${session.id}/hub/repositories`,
      undefined,
      session.token,
    );
    expect(repos.body.repositories.map((r: { name: string }) => r.name)).toEqual([`${username}/tool`]);
    const upstreamPush = await sh(
      'docker tag acme/tool:2 acme/tool:hacked && docker push acme/tool:hacked 2>&1',
    );
    expect(upstreamPush.code).not.toBe(0);
    expect(upstreamPush.stdout).toMatch(/denied/);
  }, 120_000);
});
