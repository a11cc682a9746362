// The live roster under a class's load: 30 learners each check an exercise about every 10 s (a
// random pass or fail) for 2 simulated minutes, run 10 times faster than the clock by default
// (`--real-time` for 1×), so the load per real second is ten times a real class's. The real
// classes, check history, roster and event feed run on an in-memory SQLite, behind a real local
// HTTP server, with the course's real lessons; machines are the fake runtime's. Measured: the real
// time from a check being recorded to the roster that shows it arriving on an instructor's
// event stream, and the CPU of the whole process. `npm run bench:roster`; `npm run bench` too.
import { percentile } from './figures.ts';
import http, { type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCourse } from '../../engine/src/index.ts';
import { CheckHistory } from '../../sandbox-server/src/classroom/check-history.ts';
import { classLiveFeature } from '../../sandbox-server/src/classroom/class-live-routes.ts';
import { Classes } from '../../sandbox-server/src/classroom/classes.ts';
import {
  InstructorSessions,
  INSTRUCTOR_COOKIE,
} from '../../sandbox-server/src/classroom/instructor-sessions.ts';
import { ProgressStore } from '../../sandbox-server/src/course/progress-store.ts';
import { openDatabase } from '../../sandbox-server/src/database.ts';
import { createRouter } from '../../sandbox-server/src/http/http-routing.ts';
import { FakeRuntime } from '../../sandbox-server/src/sessions/fake-runtime.ts';
import { SessionManager } from '../../sandbox-server/src/sessions/session-manager.ts';
import { SessionStore } from '../../sandbox-server/src/sessions/session-store.ts';
import { EventStreamClient } from '../helpers/event-stream-client.ts';

const LEARNERS = 30;
const CHECK_EVERY_MS = 10_000;
const SIMULATED_MS = 2 * 60_000;
const PASS_RATE = 0.3;

export interface RosterFigures {
  checks: number;
  speedup: number;
  delayP50Ms: number;
  delayP95Ms: number;
  delayMaxMs: number;
  rosterEvents: number;
  cpuMs: number;
  wallMs: number;
}

/** A reproducible random sequence, so two runs compare. */
function random(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
}

interface Pending {
  name: string;
  key: string;
  attempts: number;
  recordedAt: number;
}

export async function rosterFigures(speedup = 10, seed = 7): Promise<RosterFigures> {
  const rand = random(seed);
  const started = Date.now();
  const wallStart = performance.now();
  // The class's clock runs `speedup` times faster than the real one (stuck minutes pass sooner too).
  const now = () => started + (performance.now() - wallStart) * speedup;
  const course = await loadCourse(path.join(path.dirname(fileURLToPath(import.meta.url)), '../../lessons'));
  const db = openDatabase(':memory:');
  const classes = new Classes(db, now);
  const progress = new ProgressStore(db);
  const history = new CheckHistory(db, now);
  const instructorSessions = new InstructorSessions(db);
  const sessions = new SessionManager(new SessionStore(db), new FakeRuntime(), {
    ttlMs: 4 * 3600_000,
    idleMs: 3600_000,
    maxSessions: LEARNERS,
    limits: { memoryBytes: 1, nanoCpus: 1, pidsLimit: 1, diskBytes: 1 },
    readyTimeoutMs: 1000,
  });
  const live = classLiveFeature({
    classes,
    course,
    progress,
    sessions,
    history,
    instructorSessions,
    allowedOrigins: [],
    now,
  });
  const router = createRouter(live.routes);
  const server = http.createServer((req, res) => void router(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const teacher = 'teacher-1';
  const found = classes.create(teacher, {
    name: 'Bench',
    lessons: null,
    capacity: LEARNERS,
    startsAt: null,
    endsAt: null,
    prewarm: 0,
    stuckMinutes: 10,
  });
  const exercises = course.lessons.flatMap((l) =>
    l.exercises.map((e) => ({ lesson: l.slug, exercise: e.id })),
  );
  const learners = await Promise.all(
    Array.from({ length: LEARNERS }, async (_, n) => {
      const id = n.toString(16).padStart(32, '0');
      const name = `Learner ${n}`;
      classes.join(found.code, id, name);
      const machine = await sessions.create(exercises[0]!.lesson, id);
      return { id, name, sessionId: machine.record.id, at: 0, tries: new Map<string, number>() };
    }),
  );

  const stream = await EventStreamClient.open(`${base}/api/classes/${found.id}/events`, {
    cookie: `${INSTRUCTOR_COOKIE}=${instructorSessions.start(teacher)}`,
  });
  if (stream.status !== 200) throw new Error(`the event stream answered ${stream.status}`);

  // Each learner's checks, at random times about every 10 s of simulated time.
  type Check = { at: number; learner: (typeof learners)[number] };
  const plan: Check[] = [];
  for (const learner of learners)
    for (let at = rand() * CHECK_EVERY_MS; at < SIMULATED_MS; at += CHECK_EVERY_MS * (0.5 + rand()))
      plan.push({ at, learner });
  plan.sort((a, b) => a.at - b.at);

  const pending: Pending[] = [];
  const delays: number[] = [];
  let seen = 0;
  const settle = () => {
    for (; seen < stream.events.length; seen++) {
      const event = stream.events[seen]!;
      if (event.event !== 'roster') continue;
      const rows = new Map(
        (event.data.learners as { name: string; exercises: Record<string, { attempts: number }> }[]).map(
          (r) => [r.name, r],
        ),
      );
      for (let i = pending.length - 1; i >= 0; i--) {
        const p = pending[i]!;
        if ((rows.get(p.name)?.exercises[p.key]?.attempts ?? 0) >= p.attempts) {
          delays.push(event.receivedAt - p.recordedAt);
          pending.splice(i, 1);
        }
      }
    }
  };

  const cpuBefore = process.cpuUsage();
  const runStart = performance.now();
  for (const check of plan) {
    const wait = runStart + check.at / speedup - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    settle();
    const { learner } = check;
    const { lesson, exercise } = exercises[Math.min(learner.at, exercises.length - 1)]!;
    const passed = rand() < PASS_RATE;
    const report = {
      passed,
      checks: [{ id: 'c', passed, message: passed ? 'Done.' : `Not yet (${learner.name}).` }],
    };
    if (passed) progress.record(learner.id, lesson, exercise);
    const key = `${lesson}/${exercise}`;
    const attempts = (learner.tries.get(key) ?? 0) + 1;
    learner.tries.set(key, attempts);
    const recordedAt = performance.now();
    live.onExerciseChecked(
      { headers: { cookie: `dockyard_learner=${learner.id}` } } as IncomingMessage,
      learner.sessionId,
      lesson,
      exercise,
      report,
    );
    pending.push({ name: learner.name, key, attempts: Math.min(attempts, 50), recordedAt });
    if (passed) learner.at++;
  }
  const deadline = performance.now() + 5000;
  while (pending.length > 0 && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    settle();
  }
  const cpu = process.cpuUsage(cpuBefore);
  const wallMs = performance.now() - runStart;
  if (pending.length > 0) throw new Error(`${pending.length} checks never showed on the roster`);
  stream.close();
  live.feed.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await sessions.drainPool();
  return {
    checks: plan.length,
    speedup,
    delayP50Ms: percentile(delays, 50),
    delayP95Ms: percentile(delays, 95),
    delayMaxMs: Math.max(...delays),
    rosterEvents: stream.events.filter((e) => e.event === 'roster').length,
    cpuMs: (cpu.user + cpu.system) / 1000,
    wallMs,
  };
}

export function formatRosterFigures(f: RosterFigures): string {
  return [
    `  live roster (${LEARNERS} learners checking every ~${CHECK_EVERY_MS / 1000} s for ${SIMULATED_MS / 60_000} simulated min, at ${f.speedup}× speed):`,
    `    ${f.checks} checks; check recorded → roster on the instructor's stream: p50 ${f.delayP50Ms.toFixed(0)} ms, p95 ${f.delayP95Ms.toFixed(0)} ms, max ${f.delayMaxMs.toFixed(0)} ms (goal p95 ≤ 1000 ms)`,
    `    ${f.rosterEvents} roster events; CPU ${f.cpuMs.toFixed(0)} ms over ${(f.wallMs / 1000).toFixed(1)} s (${((100 * f.cpuMs) / f.wallMs).toFixed(1)}% of one core)`,
  ].join('\n');
}

if (path.resolve(process.argv[1] ?? '') === fileURLToPath(import.meta.url)) {
  rosterFigures(process.argv.includes('--real-time') ? 1 : 10).then(
    (figures) => console.log(formatRosterFigures(figures)),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
