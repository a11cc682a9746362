// A two-member Incus cluster on this one machine, for tests of Dockyard on a cluster. Both members
// are incusd daemons of their own (their own INCUS_DIR under /var/lib/dockyard-cluster), each in a
// network namespace of its own, joined by one veth pair: the host's incusd, its bridge dybr0, its
// pool dockyard and /var/lib/incus are never touched (it only lends its sandbox image, read with
// `incus image export`). Each member has what scripts/setup/incus-host.mjs makes on a single host:
// the btrfs pool, the sealed lab bridge and the sandbox image, under the same names.
//
//   nice -n 19 npx tsx test/helpers/incus-cluster.ts up|down|status
//   INCUS_DIR=/var/lib/dockyard-cluster/m1 incus cluster list
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { incusSettings, labBridgeConfig } from '../../scripts/setup/incus-host.mjs';
import { loadConfig } from '../../sandbox-server/src/config.ts';
import { memberGatewayRuleset } from '../../sandbox-server/src/lab/member-gateway.ts';
import { labPorts } from '../../sandbox-server/src/lab/start-lab.ts';

const INCUSD = '/usr/libexec/incus/incusd';
/** The host's own Incus, never to be touched. */
const HOST_INCUS_DIR = '/var/lib/incus';

export interface ClusterMember {
  name: string;
  /** The member's end of its link to the host, and the host's end (the server's host, to it). */
  uplink: { member: string; host: string; hostDevice: string };
  /** The member's share of the lab subnet, routed to it by the host. */
  share: string;
  /** The member's cluster address (its end of the veth pair), host:port. */
  address: string;
  /** The member's INCUS_DIR. */
  incusDir: string;
  /** The member's unix socket: the API, as the host's /var/lib/incus/unix.socket is. */
  socket: string;
  netns: string;
}

export interface TestCluster {
  members: ClusterMember[];
  /** Member 1's unix socket: the cluster's API for Dockyard (IncusApi) and for tests. */
  socket: string;
  /** Environment for the incus CLI to talk to member 1: `incus` with these speaks to the cluster. */
  env: { INCUS_DIR: string };
  /** The sandbox image's alias (the host's), storage pool and lab bridge, as on a single host. */
  image: string;
  /**
   * The members' lab subnet, not the host's (the host routes each member's share to it), and the
   * server settings that go with it: DOCKYARD_INCUS_SUBNET and DOCKYARD_INCUS_MEMBER_SUBNETS.
   */
  serverEnv: { DOCKYARD_INCUS_SUBNET: string; DOCKYARD_INCUS_MEMBER_SUBNETS: string };
  pool: string;
  network: string;
  /** Runs the incus CLI against member 1; never throws. */
  incus(...args: string[]): Promise<Result>;
  /** Kills a member's incusd, as a crash would: its instances keep running, unmanaged. */
  stopMember(name: string): Promise<void>;
  /** Starts a member's incusd again and waits until the cluster has it back online. */
  startMember(name: string): Promise<void>;
  /** Removes everything: instances, daemons, namespaces, loop devices, cgroups, the data directory. */
  destroy(): Promise<void>;
}

export interface TestClusterOptions {
  /** Where the members' data lives; default /var/lib/dockyard-cluster (DOCKYARD_CLUSTER_DIR). */
  root?: string;
  /** Size of each member's btrfs loop file (sparse); default 16GiB. */
  poolSize?: string;
  /** Seconds without heartbeat before a member is OFFLINE; Incus takes 11 at the least (default 20). */
  offlineThresholdSeconds?: number;
  /** The host's image alias to copy; default the newest dockyard-sandbox-* on the host. */
  image?: string;
  /** Tears down whatever is there and makes the cluster anew. */
  rebuild?: boolean;
}

/** A failure that something outside the project causes; its message says what to do. */
export class ClusterError extends Error {}

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** The on-disk record of a finished cluster: written last, so a half-made one has none. */
interface ClusterState {
  members: ClusterMember[];
  image: string;
  poolSize: string;
  offlineThresholdSeconds: number;
}

const say = (text: string) => process.stderr.write(`[incus-cluster] ${text}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)}s`;

/** Runs a command without a shell; never throws: a missing binary or a timeout is code -1. */
function run(
  file: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): Promise<Result> {
  return new Promise((resolve) => {
    const child = execFile(
      file,
      args,
      {
        env: options.env ?? process.env,
        maxBuffer: 64 * 1024 * 1024,
        timeout: options.timeoutMs ?? 120_000,
        killSignal: 'SIGKILL',
      },
      (error, stdout, stderr) => {
        const e = error as { code?: unknown; killed?: boolean; message?: string } | null;
        resolve({
          code: e === null ? 0 : typeof e.code === 'number' ? e.code : -1,
          stdout,
          stderr: e && typeof e.code !== 'number' ? `${stderr}${e.message ?? ''}` : stderr,
        });
      },
    );
    // A command that exits before reading its input (most do not read it) must not kill us with EPIPE.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(options.input ?? '');
  });
}

/** Runs a command that must succeed; throws with its stderr. */
async function must(file: string, args: string[], options: Parameters<typeof run>[2] = {}): Promise<string> {
  const r = await run(file, args, options);
  if (r.code !== 0)
    throw new Error(`${file} ${args.join(' ')} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

/** The environment of the incus CLI for one daemon; INCUS_SOCKET from the caller must not win. */
function incusEnv(incusDir: string | undefined): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.INCUS_SOCKET;
  delete env.INCUS_DIR;
  if (incusDir) env.INCUS_DIR = incusDir;
  return env;
}

/** The host's incus CLI, read-only use. */
const hostIncus = (...args: string[]) => run('incus', args, { env: incusEnv(undefined) });
const memberIncus = (member: ClusterMember, ...args: string[]) =>
  run('incus', args, { env: incusEnv(member.incusDir) });
const memberIncusOk = (member: ClusterMember, ...args: string[]) =>
  must('incus', args, { env: incusEnv(member.incusDir) });

/**
 * The members' lab bridges: a subnet of their own, so that the host's routes to the members'
 * shares never touch the host's own dybr0 (10.213.0.0/22).
 */
const CLUSTER_LAB_SUBNET = '10.214.0.1/22';

function layout(root: string): ClusterMember[] {
  return [1, 2].map((n) => ({
    name: `m${n}`,
    // Host-side names must not start with "dy": the Docker runtime's firewall takes dy+ for its bridges.
    uplink: { member: `10.97.${n}.2`, host: `10.97.${n}.1`, hostDevice: `clu-m${n}` },
    share: `10.214.${n - 1}.0/24`,
    address: `10.99.0.${n}:8443`,
    incusDir: path.join(root, `m${n}`),
    socket: path.join(root, `m${n}`, 'unix.socket'),
    netns: `dyc-m${n}`,
  }));
}

// --- processes -------------------------------------------------------------------------------

function readProc(pid: number, file: string): string {
  try {
    return fs.readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return '';
  }
}

const allPids = () =>
  fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number);

/** The pids in a named network namespace (`ip netns pids`), none when it does not exist. */
async function pidsInNetns(netns: string): Promise<number[]> {
  if (!fs.existsSync(`/run/netns/${netns}`)) return [];
  const r = await run('ip', ['netns', 'pids', netns]);
  return r.stdout.split('\n').filter(Boolean).map(Number);
}

/** The incusd of a member: the pid it was started with, if that is still incusd in its namespace. */
async function daemonPid(member: ClusterMember): Promise<number | undefined> {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(path.join(member.incusDir, 'incusd.pid'), 'utf8').trim());
  } catch {
    return undefined;
  }
  const cmdline = readProc(pid, 'cmdline').split('\0');
  if (cmdline[0] !== INCUSD || !cmdline.includes(path.join(member.incusDir, 'incusd.log'))) return undefined;
  return (await pidsInNetns(member.netns)).includes(pid) ? pid : undefined;
}

/**
 * Every process that belongs to a member: those in its network namespace (incusd, dnsmasq, LXC's
 * monitors), those naming its directory, and all their descendants (the containers' processes,
 * which have network namespaces of their own). Never anything of the host's Incus.
 */
async function memberProcesses(member: ClusterMember): Promise<number[]> {
  const roots = new Set(await pidsInNetns(member.netns));
  const children = new Map<number, number[]>();
  for (const pid of allPids()) {
    if (pid === process.pid) continue;
    if (readProc(pid, 'cmdline').includes(member.incusDir + '/')) roots.add(pid);
    const ppid = Number(/^\d+ \(.*\) \S+ (\d+)/s.exec(readProc(pid, 'stat'))?.[1]);
    if (ppid) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  const found = new Set<number>();
  const visit = (pid: number) => {
    if (found.has(pid)) return;
    found.add(pid);
    for (const child of children.get(pid) ?? []) visit(child);
  };
  roots.forEach(visit);
  return [...found];
}

async function killAll(member: ClusterMember): Promise<number> {
  let killed = 0;
  for (let round = 0; round < 50; round++) {
    const pids = await memberProcesses(member);
    if (pids.length === 0) return killed;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
        killed++;
      } catch {
        // Gone already.
      }
    }
    await sleep(200);
  }
  throw new Error(
    `processes of ${member.name} survived SIGKILL: ${(await memberProcesses(member)).join(' ')}`,
  );
}

// --- the members' daemons --------------------------------------------------------------------

/**
 * The cgroup mounts the member's incusd needs. `ip netns exec` mounts a fresh /sys for the
 * namespace (so /sys/class/net is the namespace's own, which incusd needs to find its bridge), and
 * that /sys has an empty /sys/fs/cgroup: LXC then fails with "Failed to setup cgroup limits". The
 * host's hierarchies are mounted again there, exactly as the host has them (cgroup v1 with the
 * named systemd hierarchy, cgroup2 on unified, or cgroup2 alone).
 */
function cgroupMounts(): string[] {
  const mounts: string[] = [];
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const target = left.split(' ')[4] ?? '';
    const [type = '', , superOptions = ''] = right.split(' ');
    if (target !== '/sys/fs/cgroup' && !target.startsWith('/sys/fs/cgroup/')) continue;
    if (!['tmpfs', 'cgroup', 'cgroup2'].includes(type)) continue;
    mounts.push(type, superOptions, target);
  }
  if (mounts.length === 0) throw new ClusterError('This host has no cgroup file system on /sys/fs/cgroup.');
  return mounts;
}

// Runs inside `ip netns exec`: its arguments are data ($1 the INCUS_DIR, then type/options/target
// triples), never part of the script.
const DAEMON_SCRIPT = `set -e
dir=$1; shift
while [ "$#" -ge 3 ]; do
  mkdir -p "$3"
  mount -t "$1" -o "$2" "$1" "$3"
  shift 3
done
export INCUS_DIR="$dir"
exec ${INCUSD} --group incus-admin --logfile "$dir/incusd.log"
`;

/** Starts a member's incusd in its namespace (unless it runs) and waits until it is ready. */
async function startDaemon(member: ClusterMember): Promise<void> {
  if (await daemonPid(member)) return;
  fs.mkdirSync(member.incusDir, { recursive: true, mode: 0o711 });
  const out = fs.openSync(path.join(member.incusDir, 'incusd.out'), 'a');
  // `ip netns exec` execs sh, which execs incusd: the child's pid is incusd's.
  const child = spawn(
    'ip',
    ['netns', 'exec', member.netns, 'sh', '-c', DAEMON_SCRIPT, 'sh', member.incusDir, ...cgroupMounts()],
    { detached: true, stdio: ['ignore', out, out] },
  );
  fs.closeSync(out);
  child.unref();
  if (!child.pid) throw new Error(`could not start incusd for ${member.name}`);
  fs.writeFileSync(path.join(member.incusDir, 'incusd.pid'), `${child.pid}\n`);
  // `incus admin waitready`: the socket answers before the daemon accepts instance operations
  // ("Server isn't ready yet").
  const r = await run('incus', ['admin', 'waitready', '--timeout', '60'], {
    env: incusEnv(member.incusDir),
    timeoutMs: 70_000,
  });
  if (r.code !== 0) {
    const tail = (name: string) => {
      const file = path.join(member.incusDir, name);
      return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n').slice(-5).join('\n') : '';
    };
    throw new Error(
      `incusd of ${member.name} did not become ready within 60s: ${r.stderr.trim()}\n${tail('incusd.out')}\n${tail('incusd.log')}`,
    );
  }
}

// --- the network between the members ---------------------------------------------------------

async function hasLink(member: ClusterMember): Promise<boolean> {
  return (await run('ip', ['-n', member.netns, 'link', 'show', 'cl0'])).code === 0;
}

/**
 * The members' namespaces and the one veth pair between them (cl0 in each, 10.99.0.1 and .2). No
 * host side: on this host a bridge or routed veth would go through its FORWARD chain (policy DROP,
 * bridge-nf-call-iptables=1), and 10.99.0.0/24 from the host's own namespace is caught by an egress
 * proxy, so the members talk only to each other.
 */
async function ensureNetwork(members: ClusterMember[]): Promise<void> {
  const [a, b] = members as [ClusterMember, ClusterMember];
  for (const m of members)
    if (!fs.existsSync(`/run/netns/${m.netns}`)) await must('ip', ['netns', 'add', m.netns]);
  if (!(await hasLink(a)) || !(await hasLink(b))) {
    for (const m of members) await run('ip', ['-n', m.netns, 'link', 'del', 'cl0']);
    await must('ip', [
      'link',
      'add',
      'cl0',
      'netns',
      a.netns,
      'type',
      'veth',
      'peer',
      'name',
      'cl0',
      'netns',
      b.netns,
    ]);
  }
  for (const m of members) {
    const ip = m.address.split(':')[0]!;
    const shown = await must('ip', ['-n', m.netns, '-4', 'addr', 'show', 'cl0']);
    if (!shown.includes(`${ip}/24`))
      await must('ip', ['-n', m.netns, 'addr', 'add', `${ip}/24`, 'dev', 'cl0']);
    await must('ip', ['-n', m.netns, 'link', 'set', 'cl0', 'up']);
    await must('ip', ['-n', m.netns, 'link', 'set', 'lo', 'up']);
  }
  for (const m of members) await ensureUplink(m);
}

/**
 * A member's link to the host, which plays the server's host: a veth pair (up0 in the member,
 * clu-mN on the host), the host's route to the member's share of the lab subnet, and the member
 * gateway's rules (sandbox-server/src/lab/member-gateway.ts) in the member's namespace, exactly as
 * `npm run member-gateway -- --server <host> --apply` makes them on a real member.
 */
async function ensureUplink(m: ClusterMember): Promise<void> {
  const { member, host, hostDevice } = m.uplink;
  if ((await run('ip', ['link', 'show', hostDevice])).code !== 0) {
    await must('ip', ['link', 'add', hostDevice, 'type', 'veth', 'peer', 'name', 'up0', 'netns', m.netns]);
    await must('ip', ['addr', 'add', `${host}/30`, 'dev', hostDevice]);
    await must('ip', ['-n', m.netns, 'addr', 'add', `${member}/30`, 'dev', 'up0']);
  }
  await must('ip', ['link', 'set', hostDevice, 'up']);
  await must('ip', ['-n', m.netns, 'link', 'set', 'up0', 'up']);
  await must('ip', ['route', 'replace', m.share, 'via', member, 'dev', hostDevice]);
  const config = loadConfig({ ...process.env, DOCKYARD_INCUS_SUBNET: CLUSTER_LAB_SUBNET });
  const ruleset = memberGatewayRuleset({
    bridge: settings().network,
    gateway: CLUSTER_LAB_SUBNET.split('/')[0]!,
    server: host,
    ports: labPorts(config),
  });
  await must('ip', ['netns', 'exec', m.netns, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
  await must('ip', ['netns', 'exec', m.netns, 'nft', '-f', '-'], { input: ruleset });
}

// --- what Dockyard's set-up makes ------------------------------------------------------------

/** Names and subnet as the host's set-up reads them. */
const settings = () => incusSettings();

/** The newest dockyard-sandbox-* image on the host (the set-up keeps one), with its fingerprint. */
async function hostImage(wanted: string | undefined): Promise<{ alias: string; fingerprint: string }> {
  const r = await hostIncus('query', '/1.0/images?recursion=1');
  if (r.code !== 0)
    throw new ClusterError(
      `The host's Incus does not answer (${r.stderr.trim()}): run npm run setup, which starts it and imports the sandbox image.`,
    );
  const images = JSON.parse(r.stdout) as {
    fingerprint: string;
    uploaded_at: string;
    aliases: { name: string }[];
  }[];
  const candidates = images
    .flatMap((i) =>
      i.aliases.map((a) => ({ alias: a.name, fingerprint: i.fingerprint, uploaded: i.uploaded_at })),
    )
    .filter((i) => (wanted ? i.alias === wanted : i.alias.startsWith('dockyard-sandbox-')))
    .sort((x, y) => y.uploaded.localeCompare(x.uploaded));
  if (!candidates[0])
    throw new ClusterError(
      `The host's Incus has no ${wanted ?? 'dockyard-sandbox-*'} image: run npm run setup, which imports it.`,
    );
  return candidates[0];
}

async function ensureImage(root: string, m1: ClusterMember, image: { alias: string; fingerprint: string }) {
  if ((await memberIncus(m1, 'image', 'show', image.alias)).code === 0) return;
  const dir = path.join(root, 'image', image.fingerprint);
  const files = () => (fs.existsSync(dir) ? fs.readdirSync(dir) : []);
  if (files().length === 0) {
    const started = Date.now();
    // Into a directory of its own first, so an export cut short is never taken for a whole one.
    const partial = `${dir}.partial`;
    fs.rmSync(partial, { recursive: true, force: true });
    fs.mkdirSync(partial, { recursive: true });
    await must('incus', ['image', 'export', image.alias, partial + '/'], {
      env: incusEnv(undefined),
      timeoutMs: 600_000,
    });
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(partial, dir);
    say(`exported ${image.alias} from the host's Incus (${seconds(started)})`);
  }
  // A split image is meta-<fp>.tar and <fp>.tar (or .tar.xz…); a unified one is <fp>.tar.* alone.
  const all = files();
  const meta = all.find((f) => f.startsWith('meta-'));
  const rootfs = all.find((f) => !f.startsWith('meta-'));
  const args = [
    'image',
    'import',
    path.join(dir, meta ?? rootfs!),
    ...(meta && rootfs ? [path.join(dir, rootfs)] : []),
  ];
  const started = Date.now();
  await must('incus', [...args, '--alias', image.alias], { env: incusEnv(m1.incusDir), timeoutMs: 600_000 });
  say(`imported ${image.alias} into the cluster (${seconds(started)})`);
  // Older sandbox images are no longer used by anything new, as on the host (incus-host.mjs).
  const listed = await memberIncus(m1, 'image', 'list', 'dockyard-sandbox-', '--format', 'csv', '-c', 'l');
  for (const old of listed.stdout.split('\n').map((l) => l.trim()))
    if (old.startsWith('dockyard-sandbox-') && old !== image.alias)
      await memberIncus(m1, 'image', 'delete', old);
  for (const cached of fs.readdirSync(path.join(root, 'image')))
    if (cached !== image.fingerprint)
      fs.rmSync(path.join(root, 'image', cached), { recursive: true, force: true });
}

async function ensurePool(members: ClusterMember[], pool: string, size: string): Promise<void> {
  const m1 = members[0]!;
  const r = await memberIncus(m1, 'storage', 'show', pool);
  if (r.code === 0 && /^status: Created$/m.test(r.stdout)) return;
  // In a cluster a pool is declared on each member first (its member-specific source and size),
  // then created on all at once. A btrfs loop file that each member's Incus makes and owns.
  for (const m of members)
    if (!new RegExp(`^- ${m.name}$`, 'm').test(r.stdout))
      await memberIncusOk(m1, 'storage', 'create', pool, 'btrfs', `size=${size}`, '--target', m.name);
  await memberIncusOk(m1, 'storage', 'create', pool, 'btrfs');
  say(`storage pool ${pool}: btrfs, ${size} loop file per member`);
}

async function ensureBridge(members: ClusterMember[], network: string, subnet: string): Promise<void> {
  const m1 = members[0]!;
  const config = labBridgeConfig(subnet);
  const r = await memberIncus(m1, 'network', 'show', network);
  if (r.code === 0 && /^status: Created$/m.test(r.stdout)) {
    for (const [key, value] of Object.entries(config))
      if ((await memberIncus(m1, 'network', 'get', network, key)).stdout.trim() !== value.trim())
        await memberIncusOk(m1, 'network', 'set', network, `${key}=${value}`);
    return;
  }
  for (const m of members)
    if (!new RegExp(`^- ${m.name}$`, 'm').test(r.stdout))
      await memberIncusOk(m1, 'network', 'create', network, '--target', m.name);
  await memberIncusOk(
    m1,
    'network',
    'create',
    network,
    ...Object.entries(config).map(([k, v]) => `${k}=${v}`),
  );
  say(`lab bridge ${network}: ${subnet}, no NAT, no routing, in each member's namespace`);
}

// --- the cluster -----------------------------------------------------------------------------

async function formCluster(members: ClusterMember[], offlineThresholdSeconds: number): Promise<void> {
  const [m1, ...others] = members as [ClusterMember, ...ClusterMember[]];
  await memberIncusOk(m1, 'config', 'set', 'core.https_address', m1.address);
  await memberIncusOk(m1, 'cluster', 'enable', m1.name);
  await memberIncusOk(m1, 'config', 'set', 'cluster.offline_threshold', String(offlineThresholdSeconds));
  for (const m of others) {
    const token = (await memberIncusOk(m1, 'cluster', 'add', m.name, '--quiet')).trim();
    const preseed = YAML.stringify({
      cluster: { enabled: true, server_name: m.name, server_address: m.address, cluster_token: token },
    });
    // The CLI checks the token's certificate itself, so it must run where the address is reachable:
    // from the host's namespace 10.99.0.1:8443 is an egress proxy's ("Certificate fingerprint
    // mismatch between join token and cluster member").
    await must('ip', ['netns', 'exec', m.netns, 'incus', 'admin', 'init', '--preseed'], {
      env: incusEnv(m.incusDir),
      input: preseed,
    });
    say(`${m.name} joined the cluster`);
  }
}

interface ServerRecord {
  environment?: { server_clustered?: boolean; server_name?: string };
}

interface ClusterMemberRecord {
  server_name: string;
  status: string;
  message: string;
}

async function memberStatus(m1: ClusterMember): Promise<Map<string, string>> {
  const r = await memberIncus(m1, 'query', '/1.0/cluster/members?recursion=1');
  if (r.code !== 0) return new Map();
  return new Map((JSON.parse(r.stdout) as ClusterMemberRecord[]).map((m) => [m.server_name, m.status]));
}

async function waitOnline(members: ClusterMember[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await memberStatus(members[0]!);
    if (members.every((m) => status.get(m.name) === 'Online')) return true;
    if (Date.now() > deadline) return false;
    await sleep(500);
  }
}

/** Why a cluster made earlier cannot be used as it is, or undefined when it can. */
async function brokenBecause(
  members: ClusterMember[],
  state: ClusterState | undefined,
  pool: string,
  network: string,
) {
  if (!state) return 'no finished cluster recorded';
  if (JSON.stringify(state.members) !== JSON.stringify(members)) return 'its members differ';
  for (const m of members) if (!(await daemonPid(m))) return `incusd of ${m.name} is not running`;
  // Each member itself, and through member 1 (which crosses the link): "Online" in the cluster's
  // list alone is the last heartbeat's word, still true for a while after a member lost its data.
  for (const m of members) {
    for (const [via, query] of [
      [m, '/1.0'],
      [members[0]!, `/1.0?target=${m.name}`],
    ] as const) {
      const r = await memberIncus(via, 'query', query);
      const server = r.code === 0 ? (JSON.parse(r.stdout) as ServerRecord).environment : undefined;
      if (!server?.server_clustered || server.server_name !== m.name)
        return `${m.name} does not answer as a cluster member${via === m ? '' : ' through m1'} (${r.stderr.trim() || 'not clustered'})`;
    }
  }
  if (!(await waitOnline(members, 30_000))) return 'a member is not online';
  for (const [kind, name] of [
    ['storage', pool],
    ['network', network],
  ] as const) {
    const r = await memberIncus(members[0]!, kind, 'show', name);
    if (r.code !== 0 || !/^status: Created$/m.test(r.stdout)) return `${kind} ${name} is missing`;
  }
  return undefined;
}

async function preflight(root: string): Promise<void> {
  if (process.getuid?.() !== 0) throw new ClusterError('The test cluster needs root: run it as root.');
  if (!fs.existsSync(INCUSD) || (await run('incus', ['--version'])).code !== 0)
    throw new ClusterError(
      'Incus is not installed: run npm run setup with the Incus runtime (the default) first.',
    );
  if ((await run('mkfs.btrfs', ['--version'])).code !== 0)
    throw new ClusterError('btrfs-progs is not installed: run npm run setup with the Incus runtime first.');
  if ((await run('ip', ['netns', 'list'])).code !== 0)
    throw new ClusterError(
      'The ip command (iproute2) with network namespaces is missing: apt-get install iproute2.',
    );
  if (
    !fs.existsSync('/proc/self/uid_map') ||
    fs.readFileSync('/proc/sys/user/max_user_namespaces', 'utf8').trim() === '0'
  )
    throw new ClusterError('This kernel has no user namespaces, which unprivileged sandboxes need.');
  const resolved = path.resolve(root);
  if (resolved === '/' || resolved === HOST_INCUS_DIR || resolved.startsWith(HOST_INCUS_DIR + '/'))
    throw new ClusterError(`The test cluster's directory cannot be ${resolved}.`);
}

/** One caller at a time makes or removes the cluster (a second waits). */
async function withLock<T>(root: string, work: () => Promise<T>): Promise<T> {
  const lock = `${root}.lock`;
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  for (let waited = 0; ; waited++) {
    try {
      fs.writeFileSync(lock, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch {
      const holder = Number(readLockHolder(lock));
      if (!holder || !fs.existsSync(`/proc/${holder}`)) {
        fs.rmSync(lock, { force: true });
        continue;
      }
      if (waited === 0) say(`waiting for process ${holder}, which is making or removing the test cluster`);
      if (waited > 1200)
        throw new ClusterError(`The test cluster stays locked by process ${holder} (${lock}).`);
      await sleep(500);
    }
  }
  try {
    return await work();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

function readLockHolder(lock: string): string {
  try {
    return fs.readFileSync(lock, 'utf8').trim();
  } catch {
    return '';
  }
}

function readState(root: string): ClusterState | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(root, 'cluster.json'), 'utf8')) as ClusterState;
  } catch {
    return undefined;
  }
}

/** Every cgroup LXC made for an instance (lxc.payload.<name>, lxc.monitor.<name>), deepest first. */
function removeCgroups(names: string[]): number {
  let removed = 0;
  const base = '/sys/fs/cgroup';
  const hierarchies = fs.existsSync(base)
    ? [
        base,
        ...fs
          .readdirSync(base)
          .map((d) => path.join(base, d))
          .filter((d) => fs.statSync(d).isDirectory()),
      ]
    : [];
  const rmTree = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }))
      if (entry.isDirectory()) rmTree(path.join(dir, entry.name));
    try {
      fs.rmdirSync(dir);
      removed++;
    } catch {
      // Busy (a process still in it) or gone: left alone.
    }
  };
  for (const hierarchy of hierarchies)
    for (const name of names)
      for (const kind of ['lxc.payload', 'lxc.monitor']) {
        const dir = path.join(hierarchy, `${kind}.${name}`);
        if (fs.existsSync(dir)) rmTree(dir);
      }
  return removed;
}

async function teardown(root: string, members: ClusterMember[]): Promise<void> {
  const started = Date.now();
  // Instance names, for their cgroups: from the API while it answers, and from the members' disks.
  const names = new Set<string>();
  for (const m of members) {
    const dir = path.join(m.incusDir, 'containers');
    if (fs.existsSync(dir)) fs.readdirSync(dir).forEach((n) => names.add(n));
  }
  for (const m of members) {
    if (!(await daemonPid(m))) continue;
    const r = await run('incus', ['list', '--format', 'csv', '-c', 'nL'], {
      env: incusEnv(m.incusDir),
      timeoutMs: 15_000,
    });
    for (const row of r.stdout.split('\n').filter(Boolean)) {
      const [name = '', location = ''] = row.split(',');
      names.add(name);
      // Deleted by their own member, which answers even when the other one is down.
      if (location === m.name || location === '' || location === 'none')
        await run('incus', ['delete', '--force', name], { env: incusEnv(m.incusDir), timeoutMs: 60_000 });
    }
  }
  // The last member to go is the first: shutting member 1 down first leaves member 2 waiting for
  // a database leader.
  for (const m of [...members].reverse())
    if (await daemonPid(m))
      await run('incus', ['admin', 'shutdown', '--timeout', '30'], {
        env: incusEnv(m.incusDir),
        timeoutMs: 40_000,
      });
  let killed = 0;
  for (const m of members) killed += await killAll(m);
  const cgroups = removeCgroups([...names]);
  // Loop devices of the pools: autoclear once no mount namespace holds the btrfs any more.
  const loops: string[] = [];
  for (let attempt = 0; attempt < 20; attempt++) {
    loops.length = 0;
    const r = await run('losetup', ['--list', '--noheadings', '--output', 'NAME,BACK-FILE']);
    for (const line of r.stdout.split('\n')) {
      const [dev, file] = line.trim().split(/\s+/);
      if (dev && file?.startsWith(root + '/')) loops.push(dev);
    }
    if (loops.length === 0) break;
    await sleep(250);
  }
  for (const dev of loops) await run('losetup', ['-d', dev]);
  // Nothing of the members is mounted in the host's namespace, but a crash elsewhere could leave some.
  const mounted = fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((t) => t === root || t.startsWith(root + '/'))
    .reverse();
  for (const target of mounted) await run('umount', ['-l', target]);
  for (const m of members) {
    await run('ip', ['link', 'del', m.uplink.hostDevice]); // its route to the member's share goes with it
    if (fs.existsSync(`/run/netns/${m.netns}`)) await must('ip', ['netns', 'del', m.netns]);
  }
  fs.rmSync(root, { recursive: true, force: true });
  say(
    `removed the test cluster (${seconds(started)}): ${names.size} instance(s), ${killed} process(es) killed after shutdown, ${cgroups} cgroup(s), ${loops.length} loop device(s) detached by hand, ${mounted.length} mount(s)`,
  );
}

function handle(root: string, members: ClusterMember[], state: ClusterState): TestCluster {
  const m1 = members[0]!;
  const { pool, network } = settings();
  const byName = (name: string) => {
    const m = members.find((x) => x.name === name);
    if (!m) throw new Error(`no member ${name} (members: ${members.map((x) => x.name).join(', ')})`);
    return m;
  };
  return {
    members,
    socket: m1.socket,
    env: { INCUS_DIR: m1.incusDir },
    image: state.image,
    serverEnv: {
      DOCKYARD_INCUS_SUBNET: CLUSTER_LAB_SUBNET,
      DOCKYARD_INCUS_MEMBER_SUBNETS: members.map((m) => `${m.name}=${m.share}`).join(','),
    },
    pool,
    network,
    incus: (...args) => memberIncus(m1, ...args),
    async stopMember(name) {
      const m = byName(name);
      const pid = await daemonPid(m);
      if (!pid) return;
      process.kill(pid, 'SIGKILL');
      while (fs.existsSync(`/proc/${pid}`) && readProc(pid, 'stat').split(' ')[2] !== 'Z') await sleep(50);
      say(`${name}: incusd (pid ${pid}) killed`);
    },
    async startMember(name) {
      const m = byName(name);
      const started = Date.now();
      await ensureNetwork(members);
      await startDaemon(m);
      if (!(await waitOnline(members, 60_000)))
        throw new Error(`${name} did not come back online in the cluster within 60s`);
      say(`${name}: incusd started again, cluster online (${seconds(started)})`);
    },
    destroy: () => withLock(root, () => teardown(root, members)),
  };
}

/**
 * The test cluster: the one made earlier when it is whole and running (its stopped daemons
 * started again), otherwise made anew from nothing. Only root can make it.
 */
export async function startTestCluster(opts: TestClusterOptions = {}): Promise<TestCluster> {
  const root = path.resolve(opts.root ?? process.env.DOCKYARD_CLUSTER_DIR ?? '/var/lib/dockyard-cluster');
  const poolSize = opts.poolSize ?? '16GiB';
  const offlineThresholdSeconds = opts.offlineThresholdSeconds ?? 11;
  await preflight(root);
  const members = layout(root);
  const { pool, network } = settings();
  return withLock(root, async () => {
    const started = Date.now();
    const image = await hostImage(opts.image);
    let state = readState(root);
    if (state && !opts.rebuild) {
      // Made earlier: its namespaces or daemons may be gone (a reboot, a stopMember).
      try {
        await ensureNetwork(members);
        for (const m of members) await startDaemon(m);
      } catch (err) {
        say(`the cluster made earlier does not start: ${(err as Error).message.split('\n')[0]}`);
      }
      const broken = await brokenBecause(members, state, pool, network);
      if (!broken) {
        await ensureImage(root, members[0]!, image);
        if (state.image !== image.alias)
          fs.writeFileSync(
            path.join(root, 'cluster.json'),
            JSON.stringify({ ...state, image: image.alias }, null, 2),
          );
        say(`reusing the test cluster in ${root} (${seconds(started)})`);
        return handle(root, members, { ...state, image: image.alias });
      }
      say(`the cluster made earlier is broken (${broken}): making it anew`);
    }
    const leftovers =
      fs.existsSync(root) ||
      (await Promise.all(members.map((m) => pidsInNetns(m.netns)))).flat().length > 0 ||
      members.some((m) => fs.existsSync(`/run/netns/${m.netns}`));
    if (leftovers) await teardown(root, members);
    say(`making a two-member Incus cluster in ${root}`);
    await ensureNetwork(members);
    await Promise.all(members.map((m) => startDaemon(m)));
    say(`incusd of ${members.map((m) => m.name).join(' and ')} ready (${seconds(started)})`);
    await formCluster(members, offlineThresholdSeconds);
    await ensurePool(members, pool, poolSize);
    await ensureBridge(members, network, CLUSTER_LAB_SUBNET);
    await ensureImage(root, members[0]!, image);
    state = { members, image: image.alias, poolSize, offlineThresholdSeconds };
    fs.writeFileSync(path.join(root, 'cluster.json'), JSON.stringify(state, null, 2));
    say(`test cluster ready (${seconds(started)}): INCUS_DIR=${members[0]!.incusDir} incus cluster list`);
    return handle(root, members, state);
  });
}

async function main(command: string | undefined): Promise<void> {
  switch (command) {
    case 'up': {
      const cluster = await startTestCluster({ rebuild: process.argv.includes('--rebuild') });
      process.stdout.write(
        `${JSON.stringify({ members: cluster.members, socket: cluster.socket, env: cluster.env, image: cluster.image }, null, 2)}\n`,
      );
      return;
    }
    case 'down': {
      const root = path.resolve(process.env.DOCKYARD_CLUSTER_DIR ?? '/var/lib/dockyard-cluster');
      await preflight(root);
      await withLock(root, () => teardown(root, layout(root)));
      return;
    }
    case 'status': {
      const root = path.resolve(process.env.DOCKYARD_CLUSTER_DIR ?? '/var/lib/dockyard-cluster');
      const members = layout(root);
      const state = readState(root);
      for (const m of members)
        process.stdout.write(
          `${m.name}: netns ${fs.existsSync(`/run/netns/${m.netns}`) ? 'present' : 'absent'}, incusd ${(await daemonPid(m)) ?? 'not running'}\n`,
        );
      if (!state) process.stdout.write('no finished cluster recorded\n');
      const r = await memberIncus(members[0]!, 'cluster', 'list');
      process.stdout.write(r.code === 0 ? r.stdout : `member 1 does not answer: ${r.stderr}`);
      return;
    }
    default:
      throw new ClusterError('Usage: tsx test/helpers/incus-cluster.ts up [--rebuild] | down | status');
  }
}

if (path.resolve(process.argv[1] ?? '') === fileURLToPath(import.meta.url)) {
  main(process.argv[2]).catch((err: unknown) => {
    process.stderr.write(
      err instanceof ClusterError ? `${err.message}\n` : `${(err as Error).stack ?? String(err)}\n`,
    );
    process.exit(1);
  });
}
