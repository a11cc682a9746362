// Small figure helpers shared by the benchmarks.
import fs from 'node:fs';
import type { Platform } from '../helpers/platform.ts';
import { removeSandboxesOf } from '../helpers/sandbox-host.ts';

/**
 * Ends a benchmark's platform: its sessions, the server, and every machine of its instance (the
 * pool's, and those of runs that failed half-way).
 */
export async function endBenchPlatform(
  platform: Platform,
  sessions: { id: string; token: string }[],
): Promise<void> {
  await Promise.all(
    sessions.map((s) =>
      platform.api('DELETE', `/api/sessions/${s.id}`, undefined, s.token).catch(() => undefined),
    ),
  );
  await platform.stop();
  await removeSandboxesOf(platform.instance);
}

/** The p-th percentile (nearest rank) of some values; 0 when there are none. */
export const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};

/** CPU seconds (user + system) one process has used so far, from /proc; 0 once it is gone. */
export function processCpuSeconds(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat(5), 12 and 13 after the name.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** The host's busy and total CPU time so far, in clock ticks (/proc/stat's first line). */
export function hostCpuTicks(): { busy: number; total: number } {
  const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = cpu.reduce((a, b) => a + b, 0);
  const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
  return { busy: total - idle, total };
}
