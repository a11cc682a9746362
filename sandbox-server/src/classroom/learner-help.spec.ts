import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { Course } from '../../../engine/src/index.ts';
import { openDatabase } from '../database.ts';
import { createRouter } from '../http/http-routing.ts';
import type { AttachCommand, AttachOptions } from '../runtime/sandbox-runtime.ts';
import { FakeRuntime } from '../sessions/fake-runtime.ts';
import { SessionManager } from '../sessions/session-manager.ts';
import { SessionStore } from '../sessions/session-store.ts';
import { HelperPresence } from '../terminal/helper-presence.ts';
import { Classes } from './classes.ts';
import { InstructorSessions, signInKey } from './instructor-sessions.ts';
import { CLASS_OVER_CLOSE, learnerHelpFeature, SIGNED_OUT_CLOSE } from './learner-help.ts';
import { learnerHandle } from './roster.ts';

/** A fake machine whose terminal is `cat` on a real pty: what is typed comes back. */
class CatRuntime extends FakeRuntime {
  override attachCommand(sessionId: string, options: AttachOptions = {}): AttachCommand {
    super.attachCommand(sessionId, options);
    return { file: 'sh', args: ['-c', 'echo attached; exec cat'], env: { PATH: process.env.PATH ?? '' } };
  }
}

const course = {
  lessons: [
    { slug: 'volumes', setup: 'echo lesson-setup', exercises: [{ id: 'mount', setup: 'echo step-setup' }] },
    { slug: 'networks', exercises: [{ id: 'ping' }] },
  ],
} as unknown as Course;

const runtime = new CatRuntime();
const helpers = new HelperPresence();
let sessions: SessionManager;
let feature: ReturnType<typeof learnerHelpFeature>;
let server: http.Server;
let base = '';
let owner = '';
/** The same instructor, signed in a second time (another browser). */
let ownerLaptop = '';
let other = '';
let classId = '';
let learnerId = '';
let sessionId = '';
/** A learner of the class who has no machine. */
let idleId = '';
const LEARNER = 'ab'.repeat(16);

beforeAll(async () => {
  const db = openDatabase(':memory:');
  const instructorSessions = new InstructorSessions(db);
  const classes = new Classes(db);
  sessions = new SessionManager(new SessionStore(db), runtime, {
    ttlMs: 3600_000,
    idleMs: 600_000,
    maxSessions: 5,
    limits: { memoryBytes: 1, nanoCpus: 1, pidsLimit: 1, diskBytes: 1 },
    readyTimeoutMs: 1000,
  });
  owner = `dockyard_instructor=${instructorSessions.start('teacher-a')}`;
  other = `dockyard_instructor=${instructorSessions.start('teacher-b')}`;
  ownerLaptop = `dockyard_instructor=${instructorSessions.start('teacher-a')}`;
  const made = classes.create('teacher-a', {
    name: 'Morning',
    lessons: null,
    capacity: 5,
    startsAt: null,
    endsAt: null,
    stuckMinutes: 10,
    prewarm: 0,
  });
  classId = made.id;
  classes.join(made.code, LEARNER, 'Ada');
  classes.join(made.code, 'cd'.repeat(16), 'Grace');
  learnerId = learnerHandle(LEARNER);
  idleId = learnerHandle('cd'.repeat(16));
  const { record } = await sessions.create('volumes', LEARNER);
  sessionId = record.id;
  await sessions.whenReady(sessionId);

  feature = learnerHelpFeature({
    classes,
    instructorSessions,
    course,
    sessions,
    runtime,
    helpers,
    allowedOrigins: [],
  });
  const router = createRouter(feature.routes);
  server = http.createServer((req, res) => void router(req, res));
  server.on('upgrade', (req, socket, head) => {
    if (!feature.handleUpgrade(req, socket, head)) socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});

const terminalPath = (learner = learnerId, mode = 'watch', klass = classId) =>
  `/api/classes/${klass}/learners/${learner}/terminal?mode=${mode}`;

/** Opens the socket; answers the refusal's status and message, or the open socket. */
function open(
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; message?: string; ws?: WebSocket }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${base}${path}`, { headers });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, message: JSON.parse(body).error.message as string }),
      );
    });
    ws.on('open', () => resolve({ status: 101, ws }));
    ws.on('error', reject);
  });
}

/** The next text frame of a kind, as JSON. */
function nextControl(ws: WebSocket, type: string): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const listener = (data: Buffer, isBinary: boolean) => {
      if (isBinary) return;
      const msg = JSON.parse(data.toString()) as Record<string, unknown>;
      if (msg.type !== type) return;
      ws.off('message', listener);
      resolve(msg);
    };
    ws.on('message', listener);
  });
}

async function post(path: string, body: unknown, cookie: string) {
  const res = await fetch(`http://${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, message: text ? (JSON.parse(text).error?.message as string) : undefined };
}

describe("an instructor's socket on a learner's terminal", () => {
  it("is refused before the upgrade to everyone but the class's instructor, with a sentence", async () => {
    expect(await open(terminalPath(), { cookie: other })).toEqual({
      status: 404,
      message: `You have no class "${classId}".`,
    });
    expect((await open(terminalPath(), { cookie: `dockyard_learner=${LEARNER}` })).status).toBe(403);
    expect((await open(terminalPath(), {})).status).toBe(401);
    expect((await open(terminalPath(), { cookie: owner, origin: 'https://evil.example' })).status).toBe(403);
    expect(await open(terminalPath('00000000'), { cookie: owner })).toEqual({
      status: 404,
      message: 'There is no learner "00000000" in this class.',
    });
    expect(await open(terminalPath(idleId), { cookie: owner })).toEqual({
      status: 404,
      message: 'Grace has no machine running right now.',
    });
    expect(await open(terminalPath(learnerId, 'drive'), { cookie: owner })).toEqual({
      status: 400,
      message: 'Query "mode" must be "watch" or "help".',
    });
  });

  it('watches read-only: tmux is asked for a read-only guest attach and keystrokes are refused', async () => {
    const { ws } = await open(terminalPath(), { cookie: owner });
    expect(runtime.attaches.at(-1)).toEqual({ sessionId, options: { guest: true, readOnly: true } });
    const heard: boolean[] = [];
    const stop = helpers.listen(sessionId, (typing) => heard.push(typing));
    const refused = nextControl(ws!, 'error');
    ws!.send(Buffer.from('rm -rf ~\r'), { binary: true });
    expect(await refused).toEqual({ type: 'error', message: 'Watch mode is read-only.' });
    expect(heard).toEqual([]);
    stop();
    ws!.close();
  });

  it('helps: the keystrokes reach the terminal and the learner hears that the instructor types', async () => {
    const { ws } = await open(terminalPath(learnerId, 'help'), { cookie: owner });
    expect(runtime.attaches.at(-1)).toEqual({ sessionId, options: { guest: true, readOnly: false } });
    const heard: boolean[] = [];
    const stop = helpers.listen(sessionId, (typing) => heard.push(typing));
    await nextControl(ws!, 'ready');
    const echoed = new Promise<void>((resolve) => {
      let out = '';
      ws!.on('message', (data: Buffer, isBinary: boolean) => {
        if (isBinary && (out += data.toString()).includes('hello-from-instructor')) resolve();
      });
    });
    ws!.send(Buffer.from('hello-from-instructor\r'), { binary: true });
    await echoed;
    expect(heard).toEqual([true]);
    const closed = new Promise((resolve) => ws!.on('close', resolve));
    ws!.close();
    await closed;
    await expect.poll(() => heard).toEqual([true, false]);
    stop();
  });
});

describe("closing instructors' terminals", () => {
  it('closes the sockets of a sign-in that signed out, and not those of another sign-in', async () => {
    const signedOut = (await open(terminalPath(), { cookie: ownerLaptop })).ws!;
    const kept = (await open(terminalPath(), { cookie: owner })).ws!;
    const told = nextControl(signedOut, 'error');
    const closed = new Promise((resolve) => signedOut.on('close', resolve));
    feature.closeSignIn(signInKey(ownerLaptop.split('=')[1]));
    expect(await told).toEqual({ type: 'error', message: SIGNED_OUT_CLOSE });
    await closed;
    await new Promise((r) => setTimeout(r, 50));
    expect(kept.readyState).toBe(WebSocket.OPEN);
    kept.close();
  });

  it('closes every watch and help socket on the class once it is over, and only that class', async () => {
    const watching = (await open(terminalPath(), { cookie: owner })).ws!;
    const helping = (await open(terminalPath(learnerId, 'help'), { cookie: owner })).ws!;
    await nextControl(helping, 'ready');
    const told = [nextControl(watching, 'error'), nextControl(helping, 'error')];
    const closed = [watching, helping].map((ws) => new Promise((resolve) => ws.on('close', resolve)));
    feature.closeClass('another-class');
    await new Promise((r) => setTimeout(r, 50));
    expect([watching.readyState, helping.readyState]).toEqual([WebSocket.OPEN, WebSocket.OPEN]);
    feature.closeClass(classId);
    for (const message of await Promise.all(told))
      expect(message).toEqual({ type: 'error', message: CLASS_OVER_CLOSE });
    await Promise.all(closed);
  });
});

describe('per-learner actions', () => {
  const action = (name: string, learner = learnerId) => `/api/classes/${classId}/learners/${learner}/${name}`;

  it('resets a lesson: its setup runs again in the machine the learner has on it', async () => {
    const before = runtime.ran.length;
    expect(await post(action('reset'), { lesson: 'volumes' }, owner)).toEqual({
      status: 204,
      message: undefined,
    });
    expect(runtime.ran.slice(before)).toEqual([
      { sessionId, script: 'echo lesson-setup' },
      { sessionId, script: 'echo step-setup' },
    ]);
    expect(await post(action('reset'), { lesson: 'networks' }, owner)).toEqual({
      status: 409,
      message: 'Ada has no machine on lesson "networks" right now: they open the lesson first.',
    });
    expect((await post(action('reset'), { lesson: 'nope' }, owner)).status).toBe(404);
    expect((await post(action('reset'), {}, owner)).status).toBe(400);
  });

  it("are another instructor's 404 and a learner's 403, and nothing runs", async () => {
    const before = runtime.ran.length;
    expect((await post(action('reset'), { lesson: 'volumes' }, other)).status).toBe(404);
    expect((await post(action('restart'), {}, `dockyard_learner=${LEARNER}`)).status).toBe(403);
    expect((await post(action('extend'), { minutes: 30 }, other)).status).toBe(404);
    expect((await post(action('extend', idleId), { minutes: 30 }, owner)).status).toBe(404);
    expect(runtime.ran.length).toBe(before);
    expect(runtime.calls.stop).toBe(0);
  });

  it('extends the machine by 1 to 240 minutes', async () => {
    const before = sessions.record(sessionId)!.expiresAt;
    expect((await post(action('extend'), { minutes: 30 }, owner)).status).toBe(204);
    expect(sessions.record(sessionId)!.expiresAt).toBe(before + 30 * 60_000);
    for (const minutes of [0, 241, 1.5, '30'])
      expect(await post(action('extend'), { minutes }, owner)).toEqual({
        status: 400,
        message: 'Field "minutes" must be a whole number from 1 to 240.',
      });
    expect(sessions.record(sessionId)!.expiresAt).toBe(before + 30 * 60_000);
  });

  it('restarts the machine: stopped, started again, ready, the same session', async () => {
    const started = runtime.calls.start;
    expect((await post(action('restart'), {}, owner)).status).toBe(204);
    expect(runtime.calls.stop).toBe(1);
    expect(runtime.calls.start).toBe(started + 1);
    expect(sessions.state(sessionId)).toBe('ready');
    expect(runtime.sandboxes.get(sessionId)).toEqual({ running: true });
  });
});
