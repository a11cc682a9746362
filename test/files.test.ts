import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Platform } from './helpers/platform.ts';
import { inSandbox } from './helpers/sandbox-host.ts';

// The learner's files through the page's editor API, on a real machine (docs/api.md, "files"): what
// the terminal wrote, the editor reads; what the editor saves, the terminal sees, owned by the
// learner; nothing outside the home folder is reached, whatever the path or the symlink; big and
// binary files are kept read-only, and a file changed or deleted in the terminal is not overwritten.
describe("the learner's files", () => {
  const platform = new Platform();
  let session = { id: '', token: '' };
  let other = { id: '', token: '' };
  const files = (method: string, query: string, body?: unknown, token = session.token) =>
    platform.api(method, `/api/sessions/${session.id}/files${query}`, body, token);

  beforeAll(async () => {
    await platform.start();
    [session, other] = await Promise.all([platform.session(), platform.session()]);
  });
  afterAll(async () => {
    await platform.stop();
  });

  it('reads what the terminal wrote and saves what the terminal then sees, owned by the learner', async () => {
    expect(
      (await inSandbox(session.id, 'mkdir -p ~/app && echo "FROM debian" > ~/app/Dockerfile')).code,
    ).toBe(0);
    const home = await files('GET', '');
    expect(home.status).toBe(200);
    expect(home.body.entries).toContainEqual(expect.objectContaining({ name: 'app', type: 'dir' }));
    const opened = await files('GET', '/content?path=app/Dockerfile');
    expect(opened.body).toMatchObject({ content: 'FROM debian\n' });
    expect(opened.body.readOnly).toBeFalsy();

    const saved = await files('PUT', '/content', {
      path: 'app/Dockerfile',
      content: 'FROM debian\nRUN echo édité\n',
      expectedMtime: opened.body.mtime,
    });
    expect(saved.status).toBe(200);
    const seen = await inSandbox(session.id, 'cat ~/app/Dockerfile; stat -c %U ~/app/Dockerfile');
    expect(seen.stdout).toBe('FROM debian\nRUN echo édité\nlearner\n');
  });

  it('refuses paths and symlinks that lead out of the home folder', async () => {
    await inSandbox(session.id, 'ln -sfn /etc ~/etc-link && ln -sf /etc/passwd ~/passwd-link');
    for (const path of ['../../etc/passwd', '/etc/passwd', 'etc-link/passwd', 'passwd-link', 'etc-link'])
      expect((await files('GET', `/content?path=${encodeURIComponent(path)}`)).status, path).toBe(400);
    expect((await files('GET', `?path=etc-link`)).status).toBe(400);
    const write = await files('PUT', '/content', { path: 'passwd-link', content: 'root::0:0::/:/bin/sh\n' });
    expect(write.status).toBe(400);
    expect((await inSandbox(session.id, 'head -c 5 /etc/passwd')).stdout).toBe('root:');
  });

  it('keeps big and binary files read-only, and refuses 5 MB and binary writes', async () => {
    await inSandbox(
      session.id,
      'head -c 2000000 /dev/zero | tr "\\0" a > ~/big.txt && head -c 64 /dev/urandom > ~/blob.bin',
    );
    expect((await files('GET', '/content?path=big.txt')).body).toMatchObject({ readOnly: true });
    expect((await files('GET', '/content?path=blob.bin')).body).toMatchObject({
      readOnly: true,
      content: '',
    });
    expect(
      (await files('PUT', '/content', { path: 'huge.txt', content: 'x'.repeat(5_000_000) })).status,
    ).toBe(413);
    expect((await files('PUT', '/content', { path: 'nul.txt', content: 'a\u0000b' })).status).toBe(400);
    expect((await inSandbox(session.id, 'ls ~/huge.txt ~/nul.txt 2>&1')).code).not.toBe(0);
  });

  it('does not overwrite a file changed or deleted in the terminal since it was opened', async () => {
    await inSandbox(session.id, 'echo one > ~/notes.txt');
    const opened = await files('GET', '/content?path=notes.txt');
    await inSandbox(session.id, 'sleep 0.05; echo two >> ~/notes.txt');
    const changed = await files('PUT', '/content', {
      path: 'notes.txt',
      content: 'mine\n',
      expectedMtime: opened.body.mtime,
    });
    expect(changed.status).toBe(409);
    expect((await inSandbox(session.id, 'cat ~/notes.txt')).stdout).toBe('one\ntwo\n');
    await inSandbox(session.id, 'rm ~/notes.txt');
    const deleted = await files('PUT', '/content', {
      path: 'notes.txt',
      content: 'mine\n',
      expectedMtime: opened.body.mtime,
    });
    expect(deleted.status).toBe(409);
    expect(deleted.body.error.message).toMatch(/deleted/);
  });

  it("answers only to the session's own token", async () => {
    expect((await files('GET', '', undefined, other.token)).status).toBe(403);
    expect((await files('GET', '', undefined, '')).status).toBe(401);
  });
});
