// The proof that Dockyard's Incus runtime works on a cluster: on the two-member test cluster
// (test/helpers/incus-cluster.ts), one sandbox on each member, made by the server's own
// IncusRuntime through member 1's socket, Docker asked inside both through member 1, then member 2's
// incusd killed and started again, then the cluster removed and the host searched for leftovers.
// Root only; by hand: nice -n 19 npx tsx test/bench/cluster-proof.ts [--keep]
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { HUB_NAMES } from '../../sandbox-server/src/hub/lab-pki.ts';
import { IncusApi, IncusRuntime } from '../../sandbox-server/src/runtime/incus-runtime.ts';
import { startTestCluster, type TestCluster } from '../helpers/incus-cluster.ts';

const exec = promisify(execFile);
const LIMITS = { memoryBytes: 1024 ** 3, nanoCpus: 1e9, pidsLimit: 1024, diskBytes: 10 * 1024 ** 3 };
const ms = (since: number) => `${((performance.now() - since) / 1000).toFixed(2)}s`;

/** The server's API client, with each new instance placed on one member (`?target=`). */
class TargetedApi extends IncusApi {
  startSentAt = 0;
  constructor(
    socket: string,
    private readonly target: string,
  ) {
    super(socket);
  }
  override request<T>(method: string, path: string, body?: unknown, headers?: Record<string, string>) {
    const placed = method === 'POST' && path === '/1.0/instances' ? `${path}?target=${this.target}` : path;
    if (method === 'PUT' && path.endsWith('/state') && (body as { action?: string })?.action === 'start')
      this.startSentAt = performance.now();
    return super.request<T>(method, placed, body, headers);
  }
}

async function sh(file: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  try {
    const { stdout, stderr } = await exec(file, args, { env: { ...process.env, ...env } });
    return (stdout + stderr).trim();
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; code?: number };
    return `(exit ${e.code}) ${(e.stdout ?? '') + (e.stderr ?? '')}`.trim();
  }
}

const rssMiB = (pid: number) =>
  Math.round(Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024);

async function sandbox(cluster: TestCluster, member: string) {
  const api = new TargetedApi(cluster.socket, member);
  const runtime = new IncusRuntime(api, {
    image: cluster.image,
    instance: 'cluster-proof',
    pool: cluster.pool,
    network: cluster.network,
    gateway: '10.213.0.1',
    prefixLength: 22,
    labHostNames: HUB_NAMES,
  });
  const session = `cproof-${member}`;
  const t0 = performance.now();
  await runtime.create(session, LIMITS);
  const created = ms(t0);
  await runtime.waitUntilReady(session, 120_000);
  console.log(
    `${member}: dockyard-${session} made and started in ${created}; Docker answered ${ms(api.startSentAt)} after the start request (${ms(t0)} in all)`,
  );
  return { runtime, session };
}

async function main() {
  const keep = process.argv.includes('--keep');
  const load = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(`load average (2 cores): ${load()}`);
  let t = performance.now();
  const cluster = await startTestCluster();
  console.log(`startTestCluster: ${ms(t)}`);
  t = performance.now();
  await startTestCluster();
  console.log(`startTestCluster again (reuse): ${ms(t)}`);
  // The runtime's exec and these commands use the incus CLI: member 1's.
  process.env.INCUS_DIR = cluster.env.INCUS_DIR;

  const made = [await sandbox(cluster, 'm1'), await sandbox(cluster, 'm2')];
  console.log(await sh('incus', ['list', '-c', 'nsL', '-f', 'compact']));
  for (const { session } of made) {
    console.log(
      `$ INCUS_DIR=${cluster.env.INCUS_DIR} incus exec dockyard-${session} -- docker version --format …`,
    );
    console.log(
      await sh('incus', [
        'exec',
        `dockyard-${session}`,
        '--',
        'docker',
        'version',
        '--format',
        '{{.Server.Version}} {{.Server.Os}}/{{.Server.Arch}}',
      ]),
    );
    console.log(await sh('incus', ['exec', `dockyard-${session}`, '--', 'cat', '/etc/dockyard/address']));
  }
  const pids = (
    await sh('sh', ['-c', 'for d in m1 m2; do cat /var/lib/dockyard-cluster/$d/incusd.pid; done'])
  )
    .split('\n')
    .map(Number);
  console.log(`incusd RSS: m1 ${rssMiB(pids[0]!)} MiB, m2 ${rssMiB(pids[1]!)} MiB`);

  // Member 2 crashes.
  console.log(`load average: ${load()}`);
  await cluster.stopMember('m2');
  t = performance.now();
  let offlineAfter = '';
  for (;;) {
    const list = await sh('incus', ['cluster', 'list', '-f', 'csv']);
    if (/^m2,.*,OFFLINE,/m.test(list)) {
      offlineAfter = ms(t);
      break;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  console.log(`m2 OFFLINE on member 1 after ${offlineAfter}`);
  console.log(await sh('incus', ['cluster', 'list']));
  console.log(await sh('incus', ['list', '-c', 'nsL', '-f', 'compact']));
  console.log(
    `$ incus exec dockyard-cproof-m2 -- true\n${await sh('incus', ['exec', 'dockyard-cproof-m2', '--', 'true'])}`,
  );
  console.log(
    `runtime.isRunning(m2's): ${await made[1]!.runtime.isRunning(made[1]!.session).catch((e: Error) => e.message)}`,
  );
  const payload = await sh('sh', [
    '-c',
    'ls /sys/fs/cgroup/pids/lxc.payload.dockyard-cproof-m2/ >/dev/null && cat /sys/fs/cgroup/pids/lxc.payload.dockyard-cproof-m2/pids.current',
  ]);
  console.log(`processes still in m2's sandbox while its incusd is down: ${payload}`);

  t = performance.now();
  await cluster.startMember('m2');
  console.log(`m2 back online after ${ms(t)}`);
  console.log(await sh('incus', ['list', '-c', 'nsL', '-f', 'compact']));
  console.log(
    `docker in m2's sandbox after its incusd restarted: ${await sh('incus', ['exec', 'dockyard-cproof-m2', '--', 'docker', 'version', '--format', '{{.Server.Version}}'])}`,
  );
  if (keep) return;

  for (const { runtime, session } of made) await runtime.remove(session);
  t = performance.now();
  await cluster.destroy();
  console.log(`destroy: ${ms(t)}`);
  console.log('leftovers (each line should be empty):');
  console.log(`  netns: ${await sh('sh', ['-c', 'ip netns list | grep dyc- || true'])}`);
  console.log(`  veth cl0 on the host: ${await sh('sh', ['-c', 'ip -br link | grep cl0 || true'])}`);
  console.log(`  loop devices: ${await sh('sh', ['-c', 'losetup -a | grep dockyard-cluster || true'])}`);
  console.log(
    `  mounts: ${await sh('sh', ['-c', 'cat /proc/[0-9]*/mountinfo 2>/dev/null | grep dockyard-cluster | sort -u || true'])}`,
  );
  console.log(
    `  processes: ${await sh('sh', ['-c', 'ps -eo pid,args | grep -E "dockyard-cluster|dyc-m" | grep -v grep || true'])}`,
  );
  console.log(
    `  cgroups: ${await sh('sh', ['-c', 'find /sys/fs/cgroup -maxdepth 2 -name "*cproof*" || true'])}`,
  );
  console.log(`  directory: ${fs.existsSync('/var/lib/dockyard-cluster') ? 'present' : ''}`);
  console.log(`  host incusd: ${await sh('incus', ['cluster', 'list'], { INCUS_DIR: '/var/lib/incus' })}`);
}

if (path.resolve(process.argv[1] ?? '') === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
