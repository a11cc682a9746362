import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { placeholdersToVar, rehypeLessonVars } from '../site/src/lib/lesson-placeholders.ts';
import { inSandbox } from './helpers/sandbox-host.ts';
import { Platform } from './helpers/platform.ts';

/** A lessons folder of its own, so the test knows every setup script, exercise and quiz answer. */
function writeLessons(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-lessons-'));
  const lesson = (folder: string, mdx: string, yaml?: string) => {
    fs.mkdirSync(path.join(dir, folder));
    fs.writeFileSync(path.join(dir, folder, 'lesson.mdx'), mdx);
    if (yaml) fs.writeFileSync(path.join(dir, folder, 'exercises.yaml'), yaml);
  };
  lesson(
    '01-prepared',
    '---\ntitle: Prepared\nsummary: A lesson with setup scripts.\n---\n\n<Exercise id="find-the-file" />\n\n<Quiz id="pick-one" />\n',
    `setup: |
  mkdir -p /srv/demo && echo from-lesson > /srv/demo/lesson.txt
exercises:
  - id: find-the-file
    title: Find the file
    setup: echo from-exercise > /srv/demo/exercise.txt
    solve: "true"
    checks:
      - id: file-there
        kind: command
        user: root
        run: test -f /srv/demo/exercise.txt
        title: The file is there
        message: The file is missing.
        hint: Reset the lesson.
quizzes:
  - id: pick-one
    question: Which one?
    options: [Alpha, Beta, Gamma]
    answer: [1]
    explanation: Beta is the one, because the test says so.
  - id: pick-two
    question: Which two?
    options: [Alpha, Beta, Gamma]
    answer: [0, 2]
    explanation: Alpha and Gamma.
`,
  );
  lesson('02-plain', '---\ntitle: Plain\nsummary: A lesson without setup.\n---\n\nJust text.\n');
  return dir;
}

/** `name=value` of a Set-Cookie header named `name`, and the whole header line. */
function cookieFrom(res: Response, name: string): { pair: string; line: string } | undefined {
  const line = res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
  return line ? { pair: line.split(';')[0]!, line } : undefined;
}

// HTTP server for the sandbox: echoes the request it got; answers a WebSocket upgrade with an echo.
const ECHO_SERVER = String.raw`
use IO::Socket::INET;
$SIG{CHLD} = 'IGNORE';
my $s = IO::Socket::INET->new(LocalPort => $ARGV[0], Listen => 20, ReuseAddr => 1) or die;
while (my $c = $s->accept) {
  if (fork) { close $c; next; }
  my $line = <$c>; my (undef, $p) = split / /, $line;
  my %h;
  while (my $l = <$c>) { $l =~ s/\r?\n$//; last if $l eq ''; my ($k, $v) = split /:\s*/, $l, 2; $h{lc $k} = $v; }
  if (($h{upgrade} // '') =~ /websocket/i) {
    syswrite $c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
    while (sysread($c, my $buf, 1024)) { syswrite $c, "echo:$buf"; }
    exit 0;
  }
  if ($p =~ m{^/go}) { print $c "HTTP/1.0 302 Found\r\nLocation: /landed\r\nContent-Length: 0\r\n\r\n"; exit 0; }
  my $body = "<h1>preview-ok</h1> path=$p cookie=" . ($h{cookie} // '') . " auth=" . ($h{authorization} // '');
  print $c "HTTP/1.0 200 OK\r\nContent-Type: text/html\r\nContent-Length: " . length($body) . "\r\n\r\n$body";
  exit 0;
}
`;

describe('course features: quizzes, progress, lesson setup, port preview', () => {
  const lessonsDir = writeLessons();
  const platform = new Platform({ DOCKYARD_LESSONS_DIR: lessonsDir });
  let a: { id: string; token: string };
  let b: { id: string; token: string };

  const call = (
    method: string,
    urlPath: string,
    opts: { token?: string; cookie?: string; body?: unknown; accept?: string; redirect?: 'manual' } = {},
  ) =>
    fetch(platform.url + urlPath, {
      method,
      redirect: opts.redirect ?? 'follow',
      headers: {
        ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
        ...(opts.cookie ? { cookie: opts.cookie } : {}),
        ...(opts.accept ? { accept: opts.accept } : {}),
      },
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
  const quiz = (quizId: string, body: unknown, session = a, cookie?: string) =>
    call('POST', `/api/sessions/${session.id}/quizzes/prepared/${quizId}`, {
      token: session.token,
      body,
      cookie,
    });

  /** A request to the platform with a Host header of our choosing (fetch cannot set one). */
  const hostRequest = (
    host: string,
    urlPath: string,
    { method = 'GET', body, ...headers }: Record<string, string> = {},
  ) =>
    new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: new URL(platform.url).port,
          path: urlPath,
          method,
          headers: { ...headers, host },
        },
        (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  /** Opens a WebSocket-style upgrade, writes "ping" and resolves with what comes back. */
  const upgrade = (urlPath: string, headers: Record<string, string>) =>
    new Promise<string>((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1',
        port: new URL(platform.url).port,
        path: urlPath,
        headers: {
          connection: 'Upgrade',
          upgrade: 'websocket',
          'sec-websocket-version': '13',
          'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
          ...headers,
        },
      });
      req.on('upgrade', (_res, socket) => {
        socket.once('data', (d: Buffer) => {
          resolve(d.toString());
          socket.destroy();
        });
        socket.write('ping');
      });
      req.on('response', (res) => reject(new Error(`no upgrade: ${res.statusCode}`)));
      req.on('error', reject);
      req.end();
    });

  beforeAll(async () => {
    await platform.start();
    [a, b] = await Promise.all([platform.session(), platform.session()]);
  });
  afterAll(async () => {
    for (const s of [a, b]) if (s) await platform.api('DELETE', `/api/sessions/${s.id}`, undefined, s.token);
    await platform.stop();
    fs.rmSync(lessonsDir, { recursive: true, force: true });
  });

  it('grades a quiz on the server: wrong, right, multiple choice', async () => {
    const wrong = await quiz('pick-one', { answer: [0] });
    expect(wrong.status).toBe(200);
    expect(await wrong.json()).toEqual({
      correct: false,
      explanation: 'Beta is the one, because the test says so.',
    });
    expect(cookieFrom(wrong, 'dockyard_learner')).toBeUndefined();

    const right = await quiz('pick-one', { answer: [1] });
    expect(await right.json()).toMatchObject({ correct: true });
    const learner = cookieFrom(right, 'dockyard_learner');
    expect(learner?.pair).toMatch(/^dockyard_learner=[0-9a-f]{32}$/);
    expect(learner?.line).toMatch(/HttpOnly/i);
    expect(learner?.line).toMatch(/SameSite=Lax/i);
    expect(learner?.line).toMatch(/Path=\//);
    expect(learner?.line).not.toMatch(/Secure/i);
    // Behind a TLS proxy the cookie is Secure.
    const overTls = await fetch(platform.url + '/api/sessions/' + a.id + '/quizzes/prepared/pick-one', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${a.token}`,
        'content-type': 'application/json',
        'x-forwarded-proto': 'https',
      },
      body: JSON.stringify({ answer: [1] }),
    });
    expect(cookieFrom(overTls, 'dockyard_learner')?.line).toMatch(/; Secure/);

    expect(await (await quiz('pick-two', { answer: [2, 0] })).json()).toMatchObject({ correct: true });
    expect(await (await quiz('pick-two', { answer: [0] })).json()).toMatchObject({ correct: false });
  });

  it('refuses malformed answers naming the field, unknown quizzes and missing tokens', async () => {
    for (const body of [
      {},
      { answer: 1 },
      { answer: [] },
      { answer: [3] },
      { answer: ['1'] },
      { answer: [0.5] },
    ]) {
      const res = await quiz('pick-one', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect((await res.json()).error.field).toBe('answer');
    }
    expect((await quiz('no-such-quiz', { answer: [0] })).status).toBe(404);
    expect(
      (
        await call('POST', `/api/sessions/${a.id}/quizzes/no-lesson/pick-one`, {
          token: a.token,
          body: { answer: [0] },
        })
      ).status,
    ).toBe(404);
    expect(
      (await call('POST', `/api/sessions/${a.id}/quizzes/prepared/pick-one`, { body: { answer: [1] } }))
        .status,
    ).toBe(401);
    expect((await quiz('pick-one', { answer: [1] }, { id: a.id, token: b.token })).status).toBe(403);
  });

  it("runs the lesson's setup and every exercise's setup in the sandbox", async () => {
    expect((await inSandbox(a.id, 'cat /srv/demo/lesson.txt', 'root')).code).not.toBe(0);
    const res = await call('POST', `/api/sessions/${a.id}/lessons/prepared/setup`, { token: a.token });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ran: true });
    expect((await inSandbox(a.id, 'cat /srv/demo/lesson.txt', 'root')).stdout.trim()).toBe('from-lesson');
    expect((await inSandbox(a.id, 'cat /srv/demo/exercise.txt', 'root')).stdout.trim()).toBe('from-exercise');

    // Resetting runs it again: a file the learner removed comes back.
    await inSandbox(a.id, 'rm /srv/demo/lesson.txt', 'root');
    await call('POST', `/api/sessions/${a.id}/lessons/prepared/setup`, { token: a.token });
    expect((await inSandbox(a.id, 'cat /srv/demo/lesson.txt', 'root')).stdout.trim()).toBe('from-lesson');

    const plain = await call('POST', `/api/sessions/${a.id}/lessons/plain/setup`, { token: a.token });
    expect(await plain.json()).toEqual({ ran: false });
    expect((await call('POST', `/api/sessions/${a.id}/lessons/nope/setup`, { token: a.token })).status).toBe(
      404,
    );
    expect((await call('POST', `/api/sessions/${a.id}/lessons/prepared/setup`)).status).toBe(401);
  });

  it('records progress per learner cookie after a passing check and a right answer, across a restart', async () => {
    expect(await (await call('GET', '/api/progress')).json()).toEqual({ lessons: {} });

    const first = await quiz('pick-one', { answer: [1] });
    const cookie = cookieFrom(first, 'dockyard_learner')!.pair;
    // The same learner keeps their cookie: no new one is set.
    const again = await quiz('pick-one', { answer: [1] }, a, cookie);
    expect(cookieFrom(again, 'dockyard_learner')).toBeUndefined();
    // A wrong answer records nothing.
    await quiz('pick-two', { answer: [1] }, a, cookie);

    await call('POST', `/api/sessions/${a.id}/lessons/prepared/setup`, { token: a.token });
    const check = await call('POST', `/api/sessions/${a.id}/exercises/prepared/find-the-file/check`, {
      token: a.token,
      cookie,
    });
    expect(await check.json()).toMatchObject({ passed: true });

    const expected = { lessons: { prepared: { passed: ['pick-one', 'find-the-file'] } } };
    expect(await (await call('GET', '/api/progress', { cookie })).json()).toEqual(expected);

    const other = cookieFrom(await quiz('pick-two', { answer: [0, 2] }), 'dockyard_learner')!.pair;
    expect(await (await call('GET', '/api/progress', { cookie: other })).json()).toEqual({
      lessons: { prepared: { passed: ['pick-two'] } },
    });
    expect(
      await (await call('GET', '/api/progress', { cookie: 'dockyard_learner=' + '0'.repeat(32) })).json(),
    ).toEqual({ lessons: {} });

    await platform.stop();
    await platform.start();
    expect(await (await call('GET', '/api/progress', { cookie })).json()).toEqual(expected);
  });

  describe('port preview', () => {
    const previewPath = (session: { id: string }, port: number | string, rest = '/') =>
      `/api/sessions/${session.id}/preview/${port}${rest}`;
    let ticket = '';

    beforeAll(async () => {
      await inSandbox(
        a.id,
        `cat > /tmp/echo.pl <<'EOF'\n${ECHO_SERVER}\nEOF\nnohup perl /tmp/echo.pl 5000 >/dev/null 2>&1 &`,
      );
      // Wait until it listens.
      for (let i = 0; i < 50; i++) {
        if ((await inSandbox(a.id, 'timeout 1 bash -c "echo > /dev/tcp/127.0.0.1/5000"')).code === 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const res = await call('POST', `/api/sessions/${a.id}/preview-ticket`, { token: a.token });
      expect(res.status).toBe(200);
      const cookie = cookieFrom(res, `dockyard_preview_${a.id}`)!;
      expect(cookie.line).toMatch(/HttpOnly/i);
      expect(cookie.line).toMatch(/SameSite=Strict/i);
      expect(cookie.line).toContain(`Path=/api/sessions/${a.id}/preview/`);
      ticket = cookie.pair;
    });

    it("shows the app listening in the learner's sandbox, with the ticket cookie or the token", async () => {
      const res = await call('GET', previewPath(a, 5000, '/hello?x=1'), {
        cookie: `${ticket}; dockyard_learner=${'1'.repeat(32)}; theme=dark`,
      });
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toContain('<h1>preview-ok</h1>');
      expect(text).toContain('path=/hello?x=1');
      // Dockyard's own cookies and token never reach the learner's app; its own cookies do.
      expect(text).toContain('cookie=theme=dark auth=');
      expect(text).not.toContain('dockyard_');

      const withToken = await call('GET', previewPath(a, 5000), { token: a.token });
      expect(withToken.status).toBe(200);
      expect(await withToken.text()).toMatch(/preview-ok[\s\S]*auth=$/);
    });

    it('keeps redirects inside the preview and adds the trailing slash', async () => {
      const bare = await call('GET', previewPath(a, 5000, ''), { cookie: ticket, redirect: 'manual' });
      expect(bare.status).toBe(308);
      expect(bare.headers.get('location')).toBe(previewPath(a, 5000, '/'));
      const redirect = await call('GET', previewPath(a, 5000, '/go'), { cookie: ticket, redirect: 'manual' });
      expect(redirect.status).toBe(302);
      expect(redirect.headers.get('location')).toBe(previewPath(a, 5000, '/landed'));
    });

    it('refuses anyone without the ticket or the token of that session', async () => {
      expect((await call('GET', previewPath(a, 5000))).status).toBe(401);
      expect((await call('GET', previewPath(a, 5000), { token: b.token })).status).toBe(403);
      // B's own ticket, presented as A's.
      const bTicket = cookieFrom(
        await call('POST', `/api/sessions/${b.id}/preview-ticket`, { token: b.token }),
        `dockyard_preview_${b.id}`,
      )!.pair;
      const forged = `dockyard_preview_${a.id}=${bTicket.split('=')[1]}`;
      expect((await call('GET', previewPath(a, 5000), { cookie: forged })).status).toBe(403);
      expect((await call('GET', previewPath({ id: 'nosuchsession' }, 5000), { cookie: ticket })).status).toBe(
        404,
      );
      expect((await call('POST', `/api/sessions/${a.id}/preview-ticket`)).status).toBe(401);
    });

    it('says plainly when nothing listens on the port, and refuses ports out of range', async () => {
      const res = await call('GET', previewPath(a, 5001), { cookie: ticket });
      expect(res.status).toBe(502);
      expect((await res.json()).error.message).toMatch(
        /Nothing is listening on port 5001 in your machine yet\. Start your app with docker run -p 5001:/,
      );
      const page = await call('GET', previewPath(a, 5001), { cookie: ticket, accept: 'text/html' });
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      expect(await page.text()).toContain('Nothing is listening on port 5001');
      for (const port of [0, 65536, 99999]) {
        expect((await call('GET', previewPath(a, port), { cookie: ticket })).status).toBe(400);
      }
    });

    it('passes WebSocket upgrades through to the app', async () => {
      expect(await upgrade(previewPath(a, 5000, '/socket'), { cookie: ticket })).toBe('echo:ping');
    });

    describe('on an origin of its own', () => {
      let origin = '';
      let host = '';
      const platformPort = () => new URL(platform.url).port;

      beforeAll(async () => {
        const res = await call('POST', `/api/sessions/${a.id}/preview-ticket`, {
          token: a.token,
          body: { port: 5000 },
        });
        const body = (await res.json()) as { url: string; isolated: boolean };
        expect(body.isolated).toBe(true);
        expect(body.url).toMatch(
          new RegExp(`^http://${a.id}-5000-[0-9a-f]{32}\\.preview\\.localhost:${platformPort()}/$`),
        );
        origin = body.url.replace(/\/$/, '');
        host = new URL(body.url).host;
        expect(cookieFrom(res, `dockyard_preview_${a.id}`)).toBeUndefined();
      });

      it("serves the learner's app at the root of its origin, absolute paths and redirects included", async () => {
        const res = await hostRequest(host, '/static/app.css?v=2', {
          cookie: `dockyard_learner=${'1'.repeat(32)}; theme=dark`,
        });
        expect(res.status).toBe(200);
        expect(res.body).toContain('path=/static/app.css?v=2');
        expect(res.body).toContain('cookie=theme=dark auth=');
        const redirect = await hostRequest(host, '/go');
        expect(redirect.status).toBe(302);
        expect(redirect.headers.location).toBe('/landed');
        expect(await upgrade('/socket', { host, origin })).toBe('echo:ping');
      });

      it("refuses a wrong ticket, another port's or session's, and sockets opened from other pages", async () => {
        const ticketOfHost = host.split('.')[0]!.split('-')[2]!;
        const flipped = ticketOfHost.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'));
        expect((await hostRequest(host.replace(ticketOfHost, flipped), '/')).status).toBe(403);
        expect((await hostRequest(host.replace('-5000-', '-5001-'), '/')).status).toBe(403);
        expect((await hostRequest(host.replace(a.id, b.id), '/')).status).toBe(403);
        expect((await hostRequest(host.replace(a.id, '0123456789abcdef'), '/')).status).toBe(404);
        // Dockyard's own pages (and any other origin) may not open the app's sockets.
        await expect(
          upgrade('/socket', { host, origin: `http://localhost:${platformPort()}` }),
        ).rejects.toThrow(/no upgrade: 403/);
        // Requests for Dockyard's own API on the preview origin reach the app, never the API.
        const api = await hostRequest(host, `/api/sessions/${a.id}`);
        expect(api.body).toContain(`path=/api/sessions/${a.id}`);
      });

      it('falls back to the same-origin preview where no preview domain resolves (a page opened by IP)', async () => {
        const res = await hostRequest(`127.0.0.1:${platformPort()}`, `/api/sessions/${a.id}/preview-ticket`, {
          method: 'POST',
          authorization: `Bearer ${a.token}`,
          'content-type': 'application/json',
          body: JSON.stringify({ port: 5000 }),
        });
        expect(JSON.parse(res.body)).toEqual({ url: previewPath(a, 5000), isolated: false });
        expect(String(res.headers['set-cookie'])).toContain(`dockyard_preview_${a.id}=`);
      });
    });
  });
});

// The build-time half of lesson placeholders (site/src/lib/lesson-placeholders.ts).
describe('lesson placeholders in MDX', () => {
  it('turns prose placeholders into <Var />, leaving code, fences and tag attributes as written', () => {
    const source = [
      'Your account is {{hub.username}} and `docker push {{hub.username}}/app` pushes.',
      '<Run command="docker push {{hub.username}}/app" />',
      '```sh',
      'docker login -u {{ hub.username }}',
      '```',
      'Unknown {{other}} stays.',
    ].join('\n');
    expect(placeholdersToVar(source).split('\n')).toEqual([
      'Your account is <Var name="hub.username" /> and `docker push {{hub.username}}/app` pushes.',
      '<Run command="docker push {{hub.username}}/app" />',
      '```sh',
      'docker login -u {{ hub.username }}',
      '```',
      'Unknown {{other}} stays.',
    ]);
  });

  it('makes placeholders in rendered code into spans, even when a highlighter split them', () => {
    const token = (value: string) => ({
      type: 'element',
      tagName: 'span',
      children: [{ type: 'text', value }],
    });
    const line = {
      type: 'element',
      tagName: 'span',
      children: [token('push x/{{hub.'), token('username}}/app')],
    };
    const code = {
      type: 'element',
      tagName: 'code',
      children: [{ type: 'text', value: 'a {{hub.username}} b' }],
    };
    const tree = { type: 'root', children: [line, code] };
    rehypeLessonVars()(tree);
    const span = {
      type: 'element',
      tagName: 'span',
      properties: { dataVar: 'hub.username' },
      children: [{ type: 'text', value: '<your-username>' }],
    };
    expect(line.children).toEqual([
      { type: 'text', value: 'push x/' },
      span,
      { type: 'text', value: '/app' },
    ]);
    expect(code.children).toEqual([{ type: 'text', value: 'a ' }, span, { type: 'text', value: ' b' }]);
  });
});
