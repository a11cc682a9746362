// Idle machines per GiB of host memory: a few learners' machines are made and left alone, then
// measured as `docker stats` counts memory (usage less inactive file cache), first as a cold
// machine leaves them (Docker's engine not started: it starts on first use), then once each has
// run its first `docker` command. `npm run bench:idle`; `npm run bench` runs it too.
import fs from 'node:fs';
import { Platform } from '../helpers/platform.ts';
import { inSandbox, removeSandboxesOf, runtime } from '../helpers/sandbox-host.ts';

const MACHINES = 5;
const SETTLE_MS = 15_000;

/** A machine's memory as `docker stats` counts it: usage less inactive file cache (cgroup v1 or v2). */
export function sandboxMemoryBytes(sessionId: string): number {
  const v1 = `/sys/fs/cgroup/memory/lxc.payload.dockyard-${sessionId}`;
  const v2 = `/sys/fs/cgroup/lxc.payload.dockyard-${sessionId}`;
  const dir = fs.existsSync(v1) ? v1 : v2;
  const usage = Number(
    fs.readFileSync(`${dir}/${dir === v1 ? 'memory.usage_in_bytes' : 'memory.current'}`, 'utf8'),
  );
  const stat = fs.readFileSync(`${dir}/memory.stat`, 'utf8');
  // v1 counts nested cgroups (the learner's containers) under total_; v2 always does.
  const inactive = Number(
    (/^total_inactive_file (\d+)$/m.exec(stat) ?? /^inactive_file (\d+)$/m.exec(stat))?.[1] ?? 0,
  );
  return usage - inactive;
}

export interface IdleFigures {
  cold: number[];
  engine: number[];
}

export async function idleFigures(): Promise<IdleFigures> {
  if (runtime !== 'incus') throw new Error('bench:idle reads Incus cgroups: run it on the Incus runtime.');
  const platform = new Platform({ DOCKYARD_LOG_LEVEL: 'warn', DOCKYARD_POOL_SIZE: '0' });
  await platform.start();
  try {
    const sessions = [];
    for (let i = 0; i < MACHINES; i++) sessions.push(await platform.session());
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const cold = sessions.map((s) => sandboxMemoryBytes(s.id));
    for (const s of sessions) await inSandbox(s.id, 'docker version >/dev/null');
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const engine = sessions.map((s) => sandboxMemoryBytes(s.id));
    return { cold, engine };
  } finally {
    await platform.stop();
    await removeSandboxesOf(platform.instance);
  }
}

export function formatIdleFigures({ cold, engine }: IdleFigures): string {
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const line = (label: string, values: number[]) =>
    `    ${label}: ${(mean(values) / 1024 ** 2).toFixed(1)} MiB each (${values.map((v) => (v / 1024 ** 2).toFixed(0)).join(', ')}), ${(1024 ** 3 / mean(values)).toFixed(1)} per GiB`;
  return [
    `  idle machines (${cold.length}, measured ${SETTLE_MS / 1000} s after each step):`,
    line('before their first docker command (engine not started)', cold),
    line('after it (dockerd and containerd running)', engine),
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(formatIdleFigures(await idleFigures()));
