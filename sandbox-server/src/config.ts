import path from 'node:path';
import { parseMemberSubnets } from './runtime/lab-address.ts';
import { fileURLToPath } from 'node:url';
import { parseSize } from '../../engine/src/bytes.ts';

/** Everything the server can be told through the environment, with the defaults documented in README.md. */
export interface ServerConfig {
  port: number;
  host: string;
  repoRoot: string;
  dataDir: string;
  dbFile: string;
  hubDir: string;
  /** Sandboxes are labelled with this, so two servers on one engine never touch each other's. */
  instance: string;
  siteDir: string;
  lessonsDir: string;
  sandboxImage: string | undefined;
  sandbox: { memoryBytes: number; nanoCpus: number; pidsLimit: number; diskBytes: number };
  maxSessions: number;
  /** Who gets a machine: per-learner and per-address limits, the creation rate, the waiting line. */
  capacity: {
    perLearner: number;
    perAddress: number;
    /** New machines asked for per address per minute (and at once). */
    createsPerMinute: number;
    /** DOCKYARD_TRUSTED_PROXIES as written: whose X-Forwarded-For is believed. */
    trustedProxies: string;
    /** A place in line lapses when its page has not called for this long. */
    lineGraceMs: number;
    lineMax: number;
  };
  /** Warm sandboxes kept booted for the next learners. */
  poolSize: number;
  /** DOCKYARD_INSTRUCTOR_TOKEN; when unset the server makes one in the data folder. */
  instructorToken: string | undefined;
  sessionTtlMs: number;
  sessionIdleMs: number;
  /** The idle timeout while people wait for a machine (never longer than `sessionIdleMs`). */
  sessionIdleBusyMs: number;
  reapIntervalMs: number;
  /** How long a setup or solve script of an instructor's proof may run before it is stopped. */
  proofScriptMs: number;
  terminalPingMs: number;
  /** Terminal tabs a session may have open at once (tab 1 included). */
  terminalTabs: number;
  allowedOrigins: string[];
  /** Where previews get origins of their own: `auto` (preview.localhost on localhost), `off`, or a domain. */
  previewDomain: string;
  hub: {
    port: number;
    registryPort: number;
    enabled: boolean;
    /** Online mode: the registry to pull through from for images not in the library. */
    upstream: { url: string; username?: string; password?: string } | undefined;
    mirrorPort: number;
    mirrorDir: string;
    /** Bytes each learner's namespace may hold before pushes are refused; undefined: no quota. */
    quotaBytes: number | undefined;
  };
  /** The filter sandboxes reach on `port`, apt-cacher-ng behind it on loopback `cachePort`. */
  packageProxy: { port: number; cachePort: number; enabled: boolean; debianMirror: string };
  /** Where sandboxes run: `incus` (unprivileged system containers) or `docker` (trusted learners only). */
  runtime: 'incus' | 'docker';
  incus: {
    /** The Incus storage pool (btrfs, with quotas) and managed bridge the set-up made. */
    pool: string;
    network: string;
    /** The bridge's gateway address with its prefix, e.g. 10.213.0.1/22. */
    subnet: string;
    /**
     * The unix socket of the Incus daemon (or cluster member) that sandboxes are made through:
     * DOCKYARD_INCUS_REMOTE, the local daemon's by default.
     */
    socket: string;
    /**
     * On a cluster whose members each have their own bridge: each member's share of the subnet
     * (DOCKYARD_INCUS_MEMBER_SUBNETS, `m2=10.213.1.0/24,…`), routed to it by the server's host.
     */
    memberSubnets: Record<string, string>;
  };
  /** How often, on an Incus cluster, the members are read for machines on one that went down. */
  memberWatchMs: number;
  dns: { port: number; enabled: boolean };
  firewall: boolean;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The online mode's upstream registry, from DOCKYARD_HUB_UPSTREAM (off when unset). */
function upstream(env: NodeJS.ProcessEnv): ServerConfig['hub']['upstream'] {
  const raw = env.DOCKYARD_HUB_UPSTREAM?.trim();
  if (!raw || raw === 'off') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(
      `DOCKYARD_HUB_UPSTREAM must be a registry URL such as https://registry-1.docker.io, got "${raw}".`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new Error(`DOCKYARD_HUB_UPSTREAM must be an http(s) URL, got "${raw}".`);
  return {
    url: url.origin,
    ...(env.DOCKYARD_HUB_UPSTREAM_USERNAME ? { username: env.DOCKYARD_HUB_UPSTREAM_USERNAME } : {}),
    ...(env.DOCKYARD_HUB_UPSTREAM_PASSWORD ? { password: env.DOCKYARD_HUB_UPSTREAM_PASSWORD } : {}),
  };
}

function previewDomainSetting(env: NodeJS.ProcessEnv): string {
  const raw = (env.DOCKYARD_PREVIEW_DOMAIN ?? 'auto').trim().toLowerCase().replace(/^\*\./, '');
  if (raw === 'auto' || raw === 'off') return raw;
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/.test(raw))
    throw new Error(
      `DOCKYARD_PREVIEW_DOMAIN must be auto, off or a domain such as preview.example.com, got "${raw}".`,
    );
  return raw;
}

function runtimeSetting(env: NodeJS.ProcessEnv): 'incus' | 'docker' {
  const raw = (env.DOCKYARD_RUNTIME ?? 'incus').trim().toLowerCase();
  if (raw !== 'incus' && raw !== 'docker')
    throw new Error(`DOCKYARD_RUNTIME must be incus or docker, got "${raw}".`);
  return raw;
}

function incusRemote(env: NodeJS.ProcessEnv): string {
  const raw = (env.DOCKYARD_INCUS_REMOTE ?? '').trim();
  if (raw === '' || raw === 'local') return '/var/lib/incus/unix.socket';
  if (!raw.startsWith('/'))
    throw new Error(
      `DOCKYARD_INCUS_REMOTE must be "local" or the path of an Incus member's unix socket (run the server on a cluster member), got "${raw}".`,
    );
  return raw;
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0)
    throw new Error(`${name} must be a non-negative number, got "${raw}".`);
  return value;
}

/** Reads the configuration from the environment; throws a one-sentence error for a bad value. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const dataDir = path.resolve(env.DOCKYARD_DATA_DIR ?? path.join(repoRoot, '.dockyard'));
  return {
    port: int(env, 'PORT', 8080),
    host: env.HOST ?? '0.0.0.0',
    repoRoot,
    dataDir,
    dbFile: path.resolve(env.DOCKYARD_DB ?? path.join(dataDir, 'dockyard.db')),
    hubDir: path.resolve(env.DOCKYARD_HUB_DIR ?? path.join(dataDir, 'hub')),
    instance: env.DOCKYARD_INSTANCE ?? 'default',
    siteDir: path.resolve(env.DOCKYARD_SITE_DIR ?? path.join(repoRoot, 'site', 'dist')),
    lessonsDir: path.resolve(env.DOCKYARD_LESSONS_DIR ?? path.join(repoRoot, 'lessons')),
    sandboxImage: env.DOCKYARD_SANDBOX_IMAGE || undefined,
    sandbox: {
      memoryBytes: parseSize(env.DOCKYARD_SANDBOX_MEMORY ?? '1g'),
      nanoCpus: Math.round(Number(env.DOCKYARD_SANDBOX_CPUS ?? '1') * 1e9),
      pidsLimit: int(env, 'DOCKYARD_SANDBOX_PIDS', 1024),
      diskBytes: parseSize(env.DOCKYARD_SANDBOX_DISK ?? '10g'),
    },
    runtime: runtimeSetting(env),
    incus: {
      pool: env.DOCKYARD_INCUS_POOL ?? 'dockyard',
      network: env.DOCKYARD_INCUS_NETWORK ?? 'dybr0',
      subnet: env.DOCKYARD_INCUS_SUBNET ?? '10.213.0.1/22',
      socket: incusRemote(env),
      memberSubnets: parseMemberSubnets(
        env.DOCKYARD_INCUS_MEMBER_SUBNETS ?? '',
        env.DOCKYARD_INCUS_SUBNET ?? '10.213.0.1/22',
      ),
    },
    memberWatchMs: int(env, 'DOCKYARD_MEMBER_WATCH_MS', 5000),
    maxSessions: int(env, 'DOCKYARD_MAX_SESSIONS', 20),
    poolSize: int(env, 'DOCKYARD_POOL_SIZE', 2),
    capacity: {
      perLearner: Math.max(1, int(env, 'DOCKYARD_SESSIONS_PER_LEARNER', 1)),
      perAddress: Math.max(1, int(env, 'DOCKYARD_SESSIONS_PER_IP', 4)),
      createsPerMinute: Math.max(1, int(env, 'DOCKYARD_SESSION_RATE_PER_MINUTE', 6)),
      trustedProxies: env.DOCKYARD_TRUSTED_PROXIES ?? '',
      lineGraceMs: Math.max(1, int(env, 'DOCKYARD_LINE_GRACE_SECONDS', 30)) * 1000,
      lineMax: Math.max(1, int(env, 'DOCKYARD_LINE_MAX', 500)),
    },
    instructorToken: env.DOCKYARD_INSTRUCTOR_TOKEN || undefined,
    sessionTtlMs: int(env, 'DOCKYARD_SESSION_TTL_MINUTES', 240) * 60_000,
    sessionIdleMs: int(env, 'DOCKYARD_SESSION_IDLE_MINUTES', 30) * 60_000,
    sessionIdleBusyMs: int(env, 'DOCKYARD_SESSION_IDLE_MINUTES_BUSY', 10) * 60_000,
    terminalPingMs: Math.max(1, int(env, 'DOCKYARD_TERMINAL_PING_SECONDS', 30)) * 1000,
    terminalTabs: Math.min(99, Math.max(1, Math.floor(int(env, 'DOCKYARD_TERMINAL_TABS', 4)))),
    reapIntervalMs: int(env, 'DOCKYARD_REAP_INTERVAL_SECONDS', 30) * 1000,
    proofScriptMs: Math.max(1, int(env, 'DOCKYARD_PROOF_SCRIPT_SECONDS', 120)) * 1000,
    allowedOrigins: (env.DOCKYARD_ORIGINS ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    previewDomain: previewDomainSetting(env),
    hub: {
      port: int(env, 'DOCKYARD_HUB_PORT', 5443),
      registryPort: int(env, 'DOCKYARD_HUB_REGISTRY_PORT', 5001),
      enabled: env.DOCKYARD_HUB !== 'off',
      upstream: upstream(env),
      mirrorPort: int(env, 'DOCKYARD_HUB_MIRROR_PORT', 5002),
      mirrorDir: path.resolve(env.DOCKYARD_HUB_MIRROR_DIR ?? path.join(dataDir, 'hub-mirror')),
      quotaBytes: env.DOCKYARD_HUB_QUOTA === 'off' ? undefined : parseSize(env.DOCKYARD_HUB_QUOTA || '2g'),
    },
    dns: { port: int(env, 'DOCKYARD_DNS_PORT', 5353), enabled: env.DOCKYARD_DNS !== 'off' },
    packageProxy: {
      port: int(env, 'DOCKYARD_PACKAGE_PROXY_PORT', 3142),
      cachePort: int(env, 'DOCKYARD_PACKAGE_CACHE_PORT', 3143),
      debianMirror: env.DOCKYARD_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian',
      enabled: env.DOCKYARD_PACKAGE_PROXY !== 'off',
    },
    firewall: env.DOCKYARD_FIREWALL !== 'off',
  };
}
