// A room arriving at once: N learners open lesson 1 within 10 seconds (evenly spread), with the
// default warm pool. For each: the time from their POST to a usable prompt in the terminal, and to
// the end of their first `docker run hello-world`, as they would type it. Printed with p50, p95 and
// max, and the CPU the server, incusd and the whole host used meanwhile.
// `npm run bench:burst -- 10 20 30`; `npm run bench` runs 10.
import { execFileSync } from 'node:child_process';
import { endBenchPlatform, hostCpuTicks, percentile, processCpuSeconds } from './figures.ts';
import { Platform } from '../helpers/platform.ts';
import { TerminalClient } from '../helpers/terminal-client.ts';

const SPREAD_MS = 10_000;

export interface BurstFigures {
  learners: number;
  prompt: number[];
  dockerRun: number[];
  failures: string[];
  wallSeconds: number;
  serverCpuSeconds: number;
  incusdCpuSeconds: number;
  hostBusyPercent: number;
}

const incusdPids = (): number[] => {
  try {
    return execFileSync('pgrep', ['-x', 'incusd'], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
};

async function learner(
  platform: Platform,
  startAt: number,
): Promise<{ prompt: number; dockerRun: number; session?: { id: string; token: string } }> {
  await new Promise((r) => setTimeout(r, startAt - Date.now()));
  const start = performance.now();
  const created = await platform.api('POST', '/api/sessions', { lesson: 'first-container' });
  if (created.status !== 201)
    throw new Error(`POST /api/sessions: ${created.status} ${JSON.stringify(created.body)}`);
  const session = created.body as { id: string; token: string };
  const term = await TerminalClient.open(
    `${platform.wsUrl}/api/sessions/${session.id}/terminal?token=${session.token}`,
  );
  try {
    await term.waitFor(/learner@dockyard:~\$/, 180_000);
    const prompt = performance.now() - start;
    term.type('docker run --rm hello-world\r');
    await term.waitFor(/your Docker installation works/, 180_000);
    return { prompt, dockerRun: performance.now() - start, session };
  } finally {
    await term.close();
  }
}

export async function burstFigures(learners: number): Promise<BurstFigures> {
  const platform = new Platform({
    DOCKYARD_LOG_LEVEL: 'warn',
    // The default warm pool, as a fresh `npm start` has it.
    DOCKYARD_POOL_SIZE: process.env.DOCKYARD_POOL_SIZE ?? '2',
    DOCKYARD_MAX_SESSIONS: String(learners + 10),
  });
  await platform.start();
  // Let the pool fill, as it would before a class arrives.
  for (
    let wait = 0;
    (await platform.api('GET', '/api/health')).body.pool.ready < Number(platform.env.DOCKYARD_POOL_SIZE);
    wait++
  ) {
    if (wait > 900) throw new Error('the warm pool did not fill');
    await new Promise((r) => setTimeout(r, 200));
  }
  // …and settle: a warm machine starts its Docker engine after it joins the pool.
  for (let i = 0; i < 60; i++) {
    const a = hostCpuTicks();
    await new Promise((r) => setTimeout(r, 2000));
    const b = hostCpuTicks();
    if ((b.busy - a.busy) / (b.total - a.total) < 0.2) break;
  }
  const sessions: { id: string; token: string }[] = [];
  const server0 = processCpuSeconds(platform.pid!);
  const incusd0 = incusdPids().reduce((sum, pid) => sum + processCpuSeconds(pid), 0);
  const host0 = hostCpuTicks();
  const began = Date.now() + 200;
  try {
    const results = await Promise.allSettled(
      Array.from({ length: learners }, (_, i) => learner(platform, began + (i * SPREAD_MS) / learners)),
    );
    const wallSeconds = (Date.now() - began) / 1000;
    const host1 = hostCpuTicks();
    const figures: BurstFigures = {
      learners,
      prompt: [],
      dockerRun: [],
      failures: [],
      wallSeconds,
      serverCpuSeconds: processCpuSeconds(platform.pid!) - server0,
      incusdCpuSeconds: incusdPids().reduce((sum, pid) => sum + processCpuSeconds(pid), 0) - incusd0,
      hostBusyPercent: (100 * (host1.busy - host0.busy)) / (host1.total - host0.total),
    };
    for (const r of results) {
      if (r.status === 'rejected')
        figures.failures.push(String((r.reason as Error).message ?? r.reason).slice(0, 300));
      else {
        figures.prompt.push(r.value.prompt);
        figures.dockerRun.push(r.value.dockerRun);
        if (r.value.session) sessions.push(r.value.session);
      }
    }
    return figures;
  } finally {
    await endBenchPlatform(platform, sessions);
  }
}

export function formatBurstFigures(f: BurstFigures): string {
  const s = (values: number[]) =>
    `p50 ${(percentile(values, 50) / 1000).toFixed(1)} s, p95 ${(percentile(values, 95) / 1000).toFixed(1)} s, max ${(Math.max(...values, 0) / 1000).toFixed(1)} s`;
  return [
    `  burst of ${f.learners} learners opening lesson 1 within ${SPREAD_MS / 1000} s (warm pool ${process.env.DOCKYARD_POOL_SIZE ?? 2}):`,
    `    time to a usable prompt: ${s(f.prompt)}`,
    `    time to the end of the first docker run hello-world: ${s(f.dockerRun)}`,
    `    CPU over ${f.wallSeconds.toFixed(1)} s: server ${f.serverCpuSeconds.toFixed(1)} s, incusd ${f.incusdCpuSeconds.toFixed(1)} s, host ${f.hostBusyPercent.toFixed(0)}% busy`,
    ...(f.failures.length ? [`    ${f.failures.length} failed: ${f.failures.join(' | ')}`] : []),
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sizes = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => n > 0);
  for (const n of sizes.length ? sizes : [10, 20, 30]) console.log(formatBurstFigures(await burstFigures(n)));
}
