import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, terminal, waitForPrompt } from './helpers/browser.ts';
import { Platform } from './helpers/platform.ts';
import { removeSandboxesOf } from './helpers/sandbox-host.ts';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

// Fair capacity for a public course: per-address limits and a rate limit that one visitor cannot
// dodge, and a first-in-first-out line, shown on the page, when every machine is taken.
describe('fair capacity', () => {
  const platform = new Platform({
    DOCKYARD_MAX_SESSIONS: '2',
    DOCKYARD_SESSIONS_PER_IP: '3',
    DOCKYARD_SESSION_RATE_PER_MINUTE: '6',
    DOCKYARD_LINE_GRACE_SECONDS: '10',
  });
  /** Every machine this file made, to end them between tests. */
  const made = new Map<string, string>();

  /** POST /api/sessions from a chosen loopback address (all of 127/8 is this host). */
  const ask = (from: string, body: object = {}, headers: Record<string, string> = {}): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const url = new URL('/api/sessions', platform.url);
      const payload = JSON.stringify(body);
      const req = http.request(
        {
          host: '127.0.0.1',
          port: url.port,
          path: url.pathname,
          method: 'POST',
          localAddress: from,
          headers: { 'content-type': 'application/json', ...headers },
        },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => {
            const parsed = text ? JSON.parse(text) : undefined;
            if (parsed?.id) made.set(parsed.id, parsed.token);
            resolve({ status: res.statusCode!, headers: res.headers, body: parsed });
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  const endAll = async () => {
    for (const [id, token] of made) await platform.api('DELETE', `/api/sessions/${id}`, undefined, token);
    made.clear();
  };

  /** Waits until the places of earlier tests lapsed (no one calls for them) with their machines. */
  const quiet = async () => {
    let now = { line: { waiting: -1 }, sessions: -1 };
    for (let i = 0; i < 240; i++) {
      now = (await platform.api('GET', '/api/health')).body;
      if (now.line.waiting === 0 && now.sessions === 0) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`the server did not empty: ${JSON.stringify(now)}`);
  };

  beforeAll(() => platform.start());
  afterAll(async () => {
    await endAll();
    await platform.stop();
    await removeSandboxesOf(platform.instance);
  });

  it('gives one address its limit, then 429 with Retry-After, while another address still gets served', async () => {
    const answers: Answer[] = [];
    for (let i = 0; i < 50; i++) answers.push(await ask('127.0.0.2'));
    const statuses = answers.map((a) => a.status);
    // Two machines, one place in line: three in all for this address, then refusals.
    expect(statuses.slice(0, 3).sort()).toEqual([201, 201, 202]);
    expect(statuses.slice(3).every((s) => s === 429)).toBe(true);
    const refused = answers[3]!;
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.body.error.message).toMatch(/already has 3 machines/);
    // A learner elsewhere is not refused: the server is full, so they get a place in line.
    const elsewhere = await ask('127.0.0.3');
    expect(elsewhere.status).toBe(202);
    expect(elsewhere.body).toMatchObject({ queued: true, position: 2 });
    expect(elsewhere.body.estimatedWaitSeconds).toBeGreaterThan(0);
    await endAll();
  }, 120_000);

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    let last: Answer | undefined;
    for (let i = 0; i < 10; i++)
      last = await ask('127.0.0.4', {}, { 'x-forwarded-for': `198.51.100.${i + 1}` });
    expect(last!.status).toBe(429);
    await endAll();
  }, 120_000);

  it('serves five waiting learners in arrival order as machines free up, and drops one who left', async () => {
    await quiet();
    const holders = [await ask('127.0.1.1'), await ask('127.0.1.2')];
    expect(holders.map((h) => h.status)).toEqual([201, 201]);
    const line: { from: string; ticket: string }[] = [];
    for (let i = 1; i <= 6; i++) {
      const from = `127.0.2.${i}`;
      const place = await ask(from);
      expect(place.body.position).toBe(i);
      line.push({ from, ticket: place.body.ticket });
    }
    // The sixth learner closes their page: they stop calling.
    const leaver = line.pop()!;

    // Each waiting page calls about every second on its own, as the page does: a slow answer to
    // one (a machine being made) does not hold the others' calls back past their grace.
    const served: string[] = [];
    const refusals: string[] = [];
    const deadline = Date.now() + 240_000;
    const ending = holders.map((h) => h.body as { id: string; token: string });
    const waiting = line.map(async (place) => {
      while (Date.now() < deadline && refusals.length === 0) {
        const answer = await ask(place.from, { ticket: place.ticket });
        if (answer.status === 201) {
          served.push(place.from);
          ending.push(answer.body);
          return;
        }
        if (answer.status !== 202) {
          refusals.push(`${place.from}: ${answer.status} ${JSON.stringify(answer.body)}`);
          return;
        }
        await new Promise((r) => setTimeout(r, 1000));
      }
    });
    // One machine ends at a time, and the next only once the learner it let in has theirs.
    for (let freed = 0; freed < 5 && Date.now() < deadline; freed++) {
      const next = ending.shift()!;
      await platform.api('DELETE', `/api/sessions/${next.id}`, undefined, next.token);
      while (served.length <= freed && refusals.length === 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 200));
      expect(refusals).toEqual([]);
    }
    await Promise.all(waiting);
    expect(refusals).toEqual([]);
    expect(served).toEqual(line.map((p) => p.from));
    const gone = await ask(leaver.from, { ticket: leaver.ticket });
    expect(gone.status).toBe(404);
    expect(gone.body.error.message).toMatch(/Ask for a machine again/);
    await endAll();
  }, 300_000);

  it('refuses forged and malformed tickets in words, and keeps serving', async () => {
    expect((await ask('127.0.3.1', { ticket: 'not-a-real-ticket' })).status).toBe(404);
    const malformed = await ask('127.0.3.1', { ticket: 42 });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.field).toBe('ticket');
    expect((await platform.api('GET', '/api/health')).status).toBe(200);
  });

  it('shows a waiting learner their place on the lesson page, then connects without a reload', async () => {
    await quiet();
    const browser = await launchChromium();
    try {
      const holders = [await ask('127.0.4.1'), await ask('127.0.4.2')];
      expect(holders.map((h) => h.status)).toEqual([201, 201]);
      const page = await browser.newPage();
      await page.goto(platform.url + '/lessons/first-container/');
      const overlay = terminal(page).getByRole('status');
      await expect.poll(() => overlay.innerText(), { timeout: 30_000 }).toMatch(/You are number 1 in line/);
      // The lesson stays readable meanwhile.
      expect(await page.getByRole('heading', { level: 1 }).innerText()).toMatch(/first container/i);
      const first = holders[0]!.body as { id: string; token: string };
      await platform.api('DELETE', `/api/sessions/${first.id}`, undefined, first.token);
      await waitForPrompt(page);
      await page.close();
    } finally {
      await browser.close();
      await endAll();
    }
  }, 180_000);
});
