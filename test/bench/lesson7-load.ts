// How many learners doing lesson 7 (build an image, run it, push it) one host carries while their
// checks still answer within 1 s (p95). Each simulated learner has a machine and a terminal; after
// lesson 7's solve (which pulls python from the hub and builds), they edit the program, build, run
// and push, again and again with a pause to read between rounds, all typed into their terminal.
// Between their own builds their page checks the exercise every 5 s, as an `auto` exercise does
// with the tab in view (a check during the learner's own build shares their machine's one CPU with
// it, which says nothing of the host). For each number of learners: check latency p50/p95/max,
// rounds done, the host's CPU.
// `npm run bench:lesson7 -- 2 4 6 8` (default 2 4 6); BENCH_SECONDS sets the measured window (60).
import path from 'node:path';
import { loadCourse, substituteVars } from '../../engine/src/index.ts';
import { endBenchPlatform, hostCpuTicks, percentile, processCpuSeconds } from './figures.ts';
import { Platform, repoRoot } from '../helpers/platform.ts';
import { inSandbox } from '../helpers/sandbox-host.ts';
import { TerminalClient } from '../helpers/terminal-client.ts';

const CHECK_EVERY_MS = 5000;
const PAUSE_MS = 10_000;
const LESSON = 'first-image';
const EXERCISE = 'build-first-image';

export interface Lesson7Figures {
  learners: number;
  checks: number[];
  failedChecks: number;
  rounds: number;
  wallSeconds: number;
  serverCpuSeconds: number;
  hostBusyPercent: number;
}

type Session = { id: string; token: string; username: string };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function prepare(platform: Platform, solve: string): Promise<Session> {
  const created = await platform.api('POST', '/api/sessions', { lesson: LESSON });
  if (created.status !== 201) throw new Error(`POST /api/sessions: ${created.status}`);
  const s = created.body as { id: string; token: string };
  const hub = (await platform.api('GET', `/api/sessions/${s.id}/hub`, undefined, s.token)).body as {
    username: string;
    password: string;
  };
  const vars = { 'hub.username': hub.username, 'hub.password': hub.password };
  const login = `printf '%s' '${hub.password}' | docker login -u ${hub.username} --password-stdin`;
  const r = await inSandbox(s.id, `${login} >/dev/null 2>&1; ${substituteVars(solve, vars)}`);
  if (r.code !== 0) throw new Error(`lesson 7's solve failed: ${r.stderr.slice(-300)}`);
  return { ...s, username: hub.username };
}

/** Learners whose build, run and push is under way. */
const building = new Set<string>();

/** One learner's rounds of edit, build, run and push, typed into the terminal, until `until`. */
async function work(platform: Platform, s: Session, until: number): Promise<number> {
  const term = await TerminalClient.open(`${platform.wsUrl}/api/sessions/${s.id}/terminal?token=${s.token}`);
  await term.waitFor(/learner@dockyard:~\$/, 60_000);
  const image = `${s.username}/my-first-docker-image:latest`;
  let rounds = 0;
  try {
    for (let i = 1; Date.now() < until; i++) {
      building.add(s.id);
      term.type(
        `cd ~/my-first-image && echo '# round ${i}' >> app.py && docker build -q -t ${image} . >/dev/null && ` +
          `docker run --rm ${image} >/dev/null && docker push -q ${image} >/dev/null; echo round-$((${i}*1))-done\r`,
      );
      await term.waitFor(new RegExp(`^round-${i}-done$`, 'm'), 300_000);
      building.delete(s.id);
      rounds++;
      await sleep(PAUSE_MS);
    }
  } finally {
    await term.close();
  }
  return rounds;
}

/** The page's checks every 5 s until `until`: each one's time, and how many did not answer 200. */
async function checking(platform: Platform, s: Session, until: number, times: number[]): Promise<number> {
  let failed = 0;
  await sleep(Math.random() * CHECK_EVERY_MS);
  while (Date.now() < until) {
    if (building.has(s.id)) {
      await sleep(100);
      continue;
    }
    const start = performance.now();
    const r = await platform.api(
      'POST',
      `/api/sessions/${s.id}/exercises/${LESSON}/${EXERCISE}/check?background=1`,
      undefined,
      s.token,
    );
    if (r.status === 200) times.push(performance.now() - start);
    else failed++;
    await sleep(Math.max(0, CHECK_EVERY_MS - (performance.now() - start)));
  }
  return failed;
}

export async function lesson7Figures(learners: number, seconds: number): Promise<Lesson7Figures> {
  const platform = new Platform({
    DOCKYARD_LOG_LEVEL: 'warn',
    DOCKYARD_POOL_SIZE: '0',
    DOCKYARD_MAX_SESSIONS: String(learners + 5),
  });
  await platform.start();
  const course = await loadCourse(path.join(repoRoot, 'lessons'));
  const solve = course.lessons.find((l) => l.order === 7)!.exercises.find((e) => e.id === EXERCISE)!.solve!;
  const sessions: Session[] = [];
  try {
    // Machines made and lesson 7 solved two at a time, so the window measures the work, not boots.
    for (let i = 0; i < learners; i += 2)
      sessions.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(2, learners - i) }, () => prepare(platform, solve)),
        )),
      );
    const checks: number[] = [];
    const server0 = processCpuSeconds(platform.pid!);
    const host0 = hostCpuTicks();
    const began = Date.now();
    const until = began + seconds * 1000;
    const [rounds, failed] = await Promise.all([
      Promise.all(sessions.map((s) => work(platform, s, until))),
      Promise.all(sessions.map((s) => checking(platform, s, until, checks))),
    ]);
    const host1 = hostCpuTicks();
    return {
      learners,
      checks,
      failedChecks: failed.reduce((a, b) => a + b, 0),
      rounds: rounds.reduce((a, b) => a + b, 0),
      wallSeconds: (Date.now() - began) / 1000,
      serverCpuSeconds: processCpuSeconds(platform.pid!) - server0,
      hostBusyPercent: (100 * (host1.busy - host0.busy)) / (host1.total - host0.total),
    };
  } finally {
    await endBenchPlatform(platform, sessions);
  }
}

export function formatLesson7Figures(f: Lesson7Figures): string {
  const ms = (p: number) => `${percentile(f.checks, p).toFixed(0)} ms`;
  return [
    `  ${f.learners} learners doing lesson 7 (build, run, push every ${PAUSE_MS / 1000} s after the last; a check every ${CHECK_EVERY_MS / 1000} s):`,
    `    check: p50 ${ms(50)}, p95 ${ms(95)}, max ${Math.max(...f.checks, 0).toFixed(0)} ms over ${f.checks.length} checks` +
      (f.failedChecks ? `, ${f.failedChecks} not answered 200` : ''),
    `    ${f.rounds} rounds of build, run and push in ${f.wallSeconds.toFixed(0)} s; server ${f.serverCpuSeconds.toFixed(1)} CPU s, host ${f.hostBusyPercent.toFixed(0)}% busy`,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sizes = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => n > 0);
  const seconds = Number(process.env.BENCH_SECONDS ?? 60);
  for (const n of sizes.length ? sizes : [2, 4, 6]) {
    const f = await lesson7Figures(n, seconds);
    console.log(formatLesson7Figures(f));
    if (percentile(f.checks, 95) > 1000) {
      console.log(`  check p95 is over 1 s at ${n} learners: stopping here.`);
      break;
    }
  }
}
