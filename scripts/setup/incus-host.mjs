// The Incus runtime's host side: installs Debian's Incus (bookworm-backports on Debian 12, main on
// 13), starts incusd by hand when no init system runs it, and makes, once, the storage pool with
// quotas, the sealed lab bridge and the sandbox image. Every step looks first and does nothing
// when it is already done.
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { aptInstall } from './engine-host.mjs';
import { SetupError, capture, has, info, run } from './shell.mjs';

const BACKPORTS = '/etc/apt/sources.list.d/dockyard-bookworm-backports.list';
const INCUSD = '/usr/libexec/incus/incusd';
const SOCKET = '/var/lib/incus/unix.socket';

const incus = (...args) => capture('incus', args);
const answers = () => incus('query', '/1.0').code === 0;

export const incusSettings = (env = process.env) => ({
  pool: env.DOCKYARD_INCUS_POOL ?? 'dockyard',
  poolSize: env.DOCKYARD_INCUS_POOL_SIZE ?? '60GiB',
  network: env.DOCKYARD_INCUS_NETWORK ?? 'dybr0',
  subnet: env.DOCKYARD_INCUS_SUBNET ?? '10.213.0.1/22',
});

function debianRelease() {
  const osRelease = fs.existsSync('/etc/os-release') ? fs.readFileSync('/etc/os-release', 'utf8') : '';
  return /^VERSION_CODENAME=(\w+)/m.exec(osRelease)?.[1] ?? '';
}

async function install() {
  if (fs.existsSync(INCUSD) && has('incus')) return;
  if (process.getuid?.() !== 0)
    throw new SetupError(
      'The Incus runtime needs Incus: run npm start as root so it can install it, or set DOCKYARD_RUNTIME=docker for a trusted learner.',
    );
  const release = debianRelease();
  const packages = ['incus', 'dnsmasq-base', 'btrfs-progs'];
  if (release === 'bookworm') {
    // Debian 12 has Incus in backports only.
    if (!fs.existsSync(BACKPORTS)) {
      fs.writeFileSync(BACKPORTS, 'deb http://deb.debian.org/debian bookworm-backports main\n');
      await run('apt-get', ['update', '-q'], { label: 'apt-get update', filter: (l) => /^(Err|E:)/.test(l) });
    }
    info('installing incus from bookworm-backports');
    await run(
      'apt-get',
      ['install', '-y', '-q', '--no-install-recommends', '-t', 'bookworm-backports', ...packages],
      {
        label: 'apt-get install incus',
        env: { DEBIAN_FRONTEND: 'noninteractive' },
        filter: (l) => /^(Setting up incus|E:)/.test(l),
      },
    );
  } else {
    await aptInstall(packages, 'The Incus runtime');
  }
  if (!fs.existsSync(INCUSD))
    throw new SetupError('Incus was installed but incusd is missing from /usr/libexec/incus.');
}

/**
 * Incus's bridge filters (each machine's MAC and IP filtering) must be nftables rules. With only
 * the xtables driver, Incus writes them through ebtables, which on this kind of host is
 * ebtables-nft: Incus cannot read its rules back, so a removed machine's rules stayed for good.
 * Thousands of machines later every start, stop and bridged packet paid for them (measured:
 * 29,000 leftover lines, and ebtables at a quarter of the CPU in a burst of 10). Incus picks its
 * nftables driver when `nft` is there, and then removes each machine's chains with it.
 */
async function ensureNftables() {
  if (!has('nft')) await aptInstall(['nftables'], "Incus's firewall driver");
}

/** The driver the running incusd chose: "nftables" or "xtables". */
const firewallDriver = () => /firewall: (\w+)/.exec(incus('info').stdout)?.[1] ?? '';

/**
 * Removes the bridge filter rules (ebtables) of network interfaces that are gone: what the xtables
 * driver left of machines that no longer exist. Interfaces that still exist keep their rules. The
 * table is written back whole, so this runs at set-up only, when no machine is being started.
 */
function clearStaleBridgeRules() {
  if (!has('ebtables-nft-save')) return;
  const saved = capture('ebtables-nft-save', []);
  if (saved.code !== 0) return;
  const live = new Set(fs.readdirSync('/sys/class/net'));
  let stale = 0;
  const kept = saved.stdout.split('\n').filter((line) => {
    const device = line.startsWith('-A ') ? / -[io] (\S+)/.exec(line)?.[1] : undefined;
    if (device && !live.has(device)) {
      stale++;
      return false;
    }
    return true;
  });
  if (stale === 0) return;
  const restored = capture('ebtables-nft-restore', [], { input: kept.join('\n') });
  if (restored.code !== 0)
    throw new SetupError(`Could not remove stale bridge filter rules: ${restored.stderr.trim()}`);
  info(`removed ${stale} bridge filter rules of machines that no longer exist`);
}

/**
 * The host's own incusd processes: not the test cluster's members, which run with an INCUS_DIR of
 * their own (test/helpers/incus-cluster.ts).
 */
function hostIncusd() {
  const pids = capture('pgrep', ['-x', 'incusd']).stdout.split('\n').filter(Boolean).map(Number);
  return pids.filter((pid) => {
    try {
      const env = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      const dir = env.find((e) => e.startsWith('INCUS_DIR='))?.slice('INCUS_DIR='.length);
      return !dir || path.resolve(dir) === '/var/lib/incus';
    } catch {
      return false;
    }
  });
}

async function start(dataDir) {
  if (answers() && firewallDriver() === 'xtables' && has('nft')) {
    // Started before nft was there: restart it so it takes the nftables driver. Instances keep
    // running through an incusd restart; only one with no machine running is restarted here.
    const running = incus('list', '--format', 'csv', '-c', 's').stdout.includes('RUNNING');
    if (running)
      info('incusd uses the xtables firewall driver: restart incusd once no machine runs, to fix it');
    else {
      info('restarting incusd so that it uses the nftables firewall driver');
      for (const pid of hostIncusd()) capture('kill', [String(pid)]);
      for (let i = 0; i < 40 && answers(); i++) await new Promise((r) => setTimeout(r, 250));
    }
  }
  if (answers()) return;
  if (
    !fs.existsSync('/proc/self/uid_map') ||
    fs.readFileSync('/proc/sys/user/max_user_namespaces', 'utf8').trim() === '0'
  )
    throw new SetupError(
      'This kernel has no user namespaces, which unprivileged sandboxes need: enable them, or set DOCKYARD_RUNTIME=docker for a trusted learner.',
    );
  const log = path.join(dataDir, 'incusd.log');
  info(`starting incusd (log: ${path.relative(process.cwd(), log)})`);
  const fd = fs.openSync(log, 'a');
  spawn(INCUSD, ['--group', 'incus-admin', '--logfile', log], {
    detached: true,
    stdio: ['ignore', fd, fd],
  }).unref();
  for (let i = 0; i < 120; i++) {
    if (fs.existsSync(SOCKET) && answers()) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new SetupError(`incusd did not answer within 60s; see ${log}.`);
}

function ensurePool({ pool, poolSize }) {
  if (incus('storage', 'show', pool).code === 0) return;
  // A btrfs loop file that Incus makes and owns: per-sandbox disk quotas, instant copies of the image.
  const r = incus('storage', 'create', pool, 'btrfs', `size=${poolSize}`);
  if (r.code !== 0)
    throw new SetupError(`Incus could not create the storage pool ${pool}: ${r.stderr.trim()}`);
  info(`storage pool ${pool}: btrfs, ${poolSize} loop file`);
}

/**
 * The lab bridge: no NAT and no routing (no way out, none between sandboxes), no IPv6. dnsmasq
 * only hands out addresses: the lab DNS (the server's) answers names, so dnsmasq's DNS is off.
 * The server's firewall is the only one for the bridge: Incus's own put its accept rules (DNS on
 * the host, TCP too) above the server's drop each time incusd started. The test cluster's members
 * get the same (test/helpers/incus-cluster.ts).
 */
export function labBridgeConfig(subnet) {
  const gateway = subnet.split('/')[0];
  return {
    'ipv4.address': subnet,
    'ipv4.nat': 'false',
    'ipv4.routing': 'false',
    'ipv4.firewall': 'false',
    'ipv6.address': 'none',
    'raw.dnsmasq': `port=0\ndhcp-option=option:dns-server,${gateway}`,
  };
}

function ensureNetwork({ network, subnet }) {
  const config = labBridgeConfig(subnet);
  if (incus('network', 'show', network).code !== 0) {
    const r = incus('network', 'create', network, ...Object.entries(config).map(([k, v]) => `${k}=${v}`));
    if (r.code !== 0)
      throw new SetupError(
        `Incus could not create the lab bridge ${network} (${subnet}): ${r.stderr.trim()}`,
      );
    info(`lab bridge ${network}: ${subnet}, no NAT, no routing`);
    return;
  }
  for (const [key, value] of Object.entries(config)) {
    if (incus('network', 'get', network, key).stdout.trim() === value.trim()) continue;
    const r = incus('network', 'set', network, `${key}=${value}`);
    if (r.code !== 0) throw new SetupError(`Incus could not set ${key} on ${network}: ${r.stderr.trim()}`);
  }
}

/** The Incus image of a Docker image tag: same definition, same hash, so it is rebuilt with it. */
export const incusAlias = (dockerTag) => dockerTag.replace(/[/:]/g, '-');

async function importImage(dockerTag, workDir) {
  const alias = incusAlias(dockerTag);
  if (incus('image', 'show', alias).code === 0) {
    info(`sandbox image ${alias} (up to date)`);
    return alias;
  }
  info(`sandbox image: importing ${dockerTag} into Incus as ${alias}`);
  fs.mkdirSync(workDir, { recursive: true });
  const rootfs = path.join(workDir, 'incus-rootfs.tar');
  const meta = path.join(workDir, 'incus-meta.tar');
  const created = capture('docker', ['create', dockerTag]);
  if (created.code !== 0) throw new SetupError(`docker create ${dockerTag} failed: ${created.stderr.trim()}`);
  const id = created.stdout.trim();
  try {
    await run('docker', ['export', id, '-o', rootfs], { label: 'docker export', quiet: true });
  } finally {
    capture('docker', ['rm', id]);
  }
  const metaDir = path.join(workDir, 'incus-meta');
  fs.mkdirSync(metaDir, { recursive: true });
  fs.writeFileSync(
    path.join(metaDir, 'metadata.yaml'),
    `architecture: x86_64\ncreation_date: ${Math.floor(Date.now() / 1000)}\nproperties:\n  description: Dockyard sandbox ${dockerTag}\n  os: debian\n  release: trixie\n`,
  );
  await run('tar', ['-cf', meta, '-C', metaDir, 'metadata.yaml'], { label: 'tar', quiet: true });
  await run('incus', ['image', 'import', meta, rootfs, '--alias', alias], {
    label: 'incus image import',
    quiet: true,
  });
  fs.rmSync(rootfs, { force: true });
  fs.rmSync(meta, { force: true });
  // Older sandbox images are no longer used by anything new.
  for (const old of incus('image', 'list', 'dockyard-sandbox-', '--format', 'csv', '-c', 'l').stdout.split(
    '\n',
  )) {
    const name = old.trim();
    if (name && name !== alias && name.startsWith('dockyard-sandbox-')) incus('image', 'delete', name);
  }
  return alias;
}

/**
 * Kernel limits that every sandbox's systemd, dockerd and containerd draw on together: the kernel
 * counts inotify instances of all containers against the host's root (128 by default), so past
 * some 30 machines a new one died at boot ("Failed to create control group inotify object: Too
 * many open files"). Values from Incus's production set-up guide; raised only, never lowered, and
 * kept in /etc/sysctl.d for the next boot.
 */
const KERNEL_LIMITS = {
  'fs.inotify.max_user_instances': 1048576,
  'fs.inotify.max_user_watches': 1048576,
  'fs.inotify.max_queued_events': 1048576,
  'fs.aio-max-nr': 524288,
  'kernel.keys.maxkeys': 2000,
  'kernel.keys.maxbytes': 2000000,
  'vm.max_map_count': 262144,
};

function ensureKernelLimits() {
  const raised = [];
  for (const [key, wanted] of Object.entries(KERNEL_LIMITS)) {
    const file = `/proc/sys/${key.replace(/\./g, '/')}`;
    const current = Number(fs.readFileSync(file, 'utf8').trim());
    if (current >= wanted) continue;
    try {
      fs.writeFileSync(file, String(wanted));
      raised.push(`${key}=${wanted}`);
    } catch (err) {
      info(`could not raise ${key} to ${wanted} (${err.code}): the host may fit fewer machines`);
    }
  }
  const conf = Object.entries(KERNEL_LIMITS)
    .map(([key, value]) => `${key} = ${value}`)
    .join('\n');
  fs.mkdirSync('/etc/sysctl.d', { recursive: true });
  fs.writeFileSync(
    '/etc/sysctl.d/60-dockyard-incus.conf',
    `# Written by Dockyard's set-up (scripts/setup/incus-host.mjs).\n${conf}\n`,
  );
  if (raised.length > 0) info(`kernel limits for many machines: ${raised.join(', ')}`);
}

/** Installs, starts and initialises Incus; imports the sandbox image. Returns its alias. */
export async function ensureIncus(dataDir, sandboxTag) {
  await install();
  await ensureNftables();
  ensureKernelLimits();
  await start(dataDir);
  clearStaleBridgeRules();
  const settings = incusSettings();
  ensurePool(settings);
  ensureNetwork(settings);
  return importImage(sandboxTag, path.join(dataDir, 'build'));
}
