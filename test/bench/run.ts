// `npm run bench`: prints the platform's speed and memory figures. Not a test: nothing here fails
// on a slow machine; the numbers go into the closing notes and docs/operations.md.
import { percentile } from './figures.ts';
import { formatIdleFigures, idleFigures, sandboxMemoryBytes } from './idle.ts';
import { burstFigures, formatBurstFigures } from './burst.ts';
import { formatLineFigures, lineFigures } from './line.ts';
import { formatProofFigures, proofFigures } from './proof.ts';
import { formatRosterFigures, rosterFigures } from './roster.ts';
import path from 'node:path';
import { loadCourse, substituteVars } from '../../engine/src/index.ts';
import { docker } from '../helpers/docker-cli.ts';
import { incus, inSandbox, runtime } from '../helpers/sandbox-host.ts';
import { Platform, repoRoot } from '../helpers/platform.ts';
import { TerminalClient } from '../helpers/terminal-client.ts';

const ms = (n: number) => `${n.toFixed(1)} ms`;

async function timeToPrompt(
  platform: Platform,
): Promise<{ ms: number; session: { id: string; token: string } }> {
  const start = performance.now();
  const created = await platform.api('POST', '/api/sessions', {});
  const session = created.body as { id: string; token: string };
  // The upgrade waits for the sandbox's engine, as the browser's does.
  const term = await TerminalClient.open(
    `${platform.wsUrl}/api/sessions/${session.id}/terminal?token=${session.token}`,
  );
  await term.waitFor(/learner@dockyard:~\$/, 120_000);
  const elapsed = performance.now() - start;
  await term.close();
  return { ms: elapsed, session };
}

/** POST → prompt with a warm pool of one: the sandbox was booted before the learner asked. */
async function warmTimesToPrompt(rounds: number): Promise<number[]> {
  const platform = new Platform({ DOCKYARD_LOG_LEVEL: 'warn', DOCKYARD_POOL_SIZE: '1' });
  await platform.start();
  const times: number[] = [];
  try {
    for (let i = 0; i < rounds; i++) {
      for (let wait = 0; (await platform.api('GET', '/api/health')).body.pool.ready < 1; wait++) {
        if (wait > 600) throw new Error('the warm pool did not fill');
        await new Promise((r) => setTimeout(r, 200));
      }
      const { ms, session } = await timeToPrompt(platform);
      times.push(ms);
      await platform.api('DELETE', `/api/sessions/${session.id}`, undefined, session.token);
    }
  } finally {
    await platform.stop();
  }
  return times;
}

async function echoRoundTrips(platform: Platform, session: { id: string; token: string }, samples: number) {
  const term = await TerminalClient.open(
    `${platform.wsUrl}/api/sessions/${session.id}/terminal?token=${session.token}`,
  );
  await term.waitFor(/learner@dockyard:~\$/);
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const before = term.received;
    const start = performance.now();
    term.type(i % 2 === 0 ? 'x' : '\x7f'); // type a character, then erase it
    while (term.received === before) await new Promise((r) => setImmediate(r));
    times.push(performance.now() - start);
    await new Promise((r) => setTimeout(r, 5));
  }
  await term.close();
  return times;
}

async function checkLatencies(platform: Platform, session: { id: string; token: string }, samples: number) {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const start = performance.now();
    await platform.api(
      'POST',
      `/api/sessions/${session.id}/exercises/first-container/run-hello-world/check`,
      undefined,
      session.token,
    );
    times.push(performance.now() - start);
  }
  return times;
}

/** Check latency of every exercise of the course, on one sandbox (most checks fail there: realistic). */
async function courseCheckLatencies(platform: Platform, session: { id: string; token: string }) {
  const lessons = (await platform.api('GET', '/api/lessons')).body as {
    slug: string;
    exercises: { id: string }[];
  }[];
  const times: number[] = [];
  for (const lesson of lessons) {
    for (const exercise of lesson.exercises) {
      for (let i = 0; i < 3; i++) {
        const start = performance.now();
        await platform.api(
          'POST',
          `/api/sessions/${session.id}/exercises/${lesson.slug}/${exercise.id}/check`,
          undefined,
          session.token,
        );
        times.push(performance.now() - start);
      }
    }
  }
  return times;
}

/** Pull times of library images into a fresh sandbox, and the push time of a 100 MB image. */
async function hubFigures(platform: Platform, session: { id: string; token: string }) {
  const hub = (await platform.api('GET', `/api/sessions/${session.id}/hub`, undefined, session.token))
    .body as {
    username: string;
    password: string;
  };
  const seconds = async (script: string) => {
    const start = performance.now();
    const r = await inSandbox(session.id, script);
    if (r.code !== 0) throw new Error(`${script}: ${r.stdout}${r.stderr}`);
    return (performance.now() - start) / 1000;
  };
  const pullPython = await seconds('docker pull -q python');
  const pullGolang = await seconds('docker pull -q golang');
  await seconds(
    `cd ~ && mkdir -p big && cd big && printf 'FROM busybox\nRUN head -c 100000000 /dev/urandom > /blob\n' > Dockerfile && docker build -q -t ${hub.username}/big:latest . && printf '%s' '${hub.password}' | docker login -u ${hub.username} --password-stdin`,
  );
  const push = await seconds(`docker push -q ${hub.username}/big:latest`);
  return { pullPython, pullGolang, push };
}

async function idleMemory(sessionId: string): Promise<string> {
  await new Promise((r) => setTimeout(r, 10_000));
  if (runtime === 'incus') return `${(sandboxMemoryBytes(sessionId) / 1024 ** 2).toFixed(1)}MiB`;
  const stats = await docker('stats', '--no-stream', '--format', '{{.MemUsage}}', `dockyard-${sessionId}`);
  return stats.stdout.trim().split(' / ')[0] ?? '?';
}

const mib = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(0)} MiB`;

/** Bytes a sandbox holds on the host beyond the shared image: Incus's disk usage, or Docker's rw layer and volume. */
async function diskUsage(sessionId: string): Promise<number> {
  const name = `dockyard-${sessionId}`;
  if (runtime === 'incus') {
    const r = await incus('query', `/1.0/instances/${name}/state`);
    return (JSON.parse(r.stdout) as { disk: { root: { usage: number } } }).disk.root.usage;
  }
  const rw = await docker('inspect', '--size', '--format', '{{.SizeRw}}', name);
  const volume = await docker('volume', 'inspect', '--format', '{{.Mountpoint}}', `${name}-docker`);
  const { execFileSync } = await import('node:child_process');
  const du = execFileSync('du', ['-sb', volume.stdout.trim()], { encoding: 'utf8' });
  return Number(rw.stdout.trim()) + Number(du.split('\t')[0]);
}

/** Disk of a fresh sandbox, and of the same sandbox after lesson 7's solve (a python image pulled and a build). */
async function diskFigures(platform: Platform, session: { id: string; token: string }) {
  const fresh = await diskUsage(session.id);
  const course = await loadCourse(path.join(repoRoot, 'lessons'));
  const lesson = course.lessons.find((l) => l.order === 7)!;
  const hub = (await platform.api('GET', `/api/sessions/${session.id}/hub`, undefined, session.token))
    .body as {
    username: string;
  };
  for (const exercise of lesson.exercises) {
    const r = await inSandbox(session.id, substituteVars(exercise.solve, { 'hub.username': hub.username }));
    if (r.code !== 0) throw new Error(`lesson 7's solve failed: ${r.stderr}`);
  }
  return { fresh, afterLesson7: await diskUsage(session.id) };
}

async function main() {
  const platform = new Platform({ DOCKYARD_LOG_LEVEL: 'warn' });
  await platform.start();
  const sessions: { id: string; token: string }[] = [];
  try {
    const cold: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await timeToPrompt(platform);
      cold.push(r.ms);
      sessions.push(r.session);
    }
    const first = sessions[0]!;
    const echo = await echoRoundTrips(platform, first, 400);
    const checks = await checkLatencies(platform, first, 20);
    const courseChecks = await courseCheckLatencies(platform, sessions[1]!);
    const memory = await idleMemory(first.id);
    const disk = await diskFigures(platform, sessions[1]!);
    const hub = await hubFigures(platform, sessions[2]!);
    const warm = await warmTimesToPrompt(3);

    console.log(`\nDockyard benchmarks (runtime: ${runtime})`);
    console.log(`  time to a usable prompt (cold, POST → prompt): ${cold.map((c) => ms(c)).join(', ')}`);
    console.log(`  time to a usable prompt (warm pool, POST → prompt): ${warm.map((c) => ms(c)).join(', ')}`);
    console.log(
      `  keystroke echo round trip over the WebSocket: p50 ${ms(percentile(echo, 50))}, p99 ${ms(percentile(echo, 99))}`,
    );
    console.log(
      `  exercise check (lesson 1): p50 ${ms(percentile(checks, 50))}, p95 ${ms(percentile(checks, 95))}`,
    );
    console.log(
      `  exercise checks, every exercise of the course: p50 ${ms(percentile(courseChecks, 50))}, p95 ${ms(percentile(courseChecks, 95))}`,
    );
    console.log(
      `  hub: pull python ${hub.pullPython.toFixed(1)} s, pull golang ${hub.pullGolang.toFixed(1)} s (fresh sandbox), push of a 100 MB image ${hub.push.toFixed(1)} s`,
    );
    console.log(`  memory of one idle sandbox (systemd + dockerd + containerd): ${memory}`);
    console.log(`  disk per sandbox: fresh ${mib(disk.fresh)}, after lesson 7 ${mib(disk.afterLesson7)}`);
    console.log(formatLineFigures(await lineFigures()));
    console.log(formatRosterFigures(await rosterFigures()));
    console.log(formatProofFigures(await proofFigures()));
    if (runtime === 'incus') console.log(formatIdleFigures(await idleFigures()));
    console.log(formatBurstFigures(await burstFigures(10)));
  } catch (err) {
    console.error(`the platform's last log lines:\n${platform.log.slice(-20).join('\n')}`);
    throw err;
  } finally {
    for (const s of sessions)
      await platform.api('DELETE', `/api/sessions/${s.id}`, undefined, s.token).catch(() => undefined);
    await platform.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
