import { spawn } from 'node:child_process';
import http from 'node:http';
import type { ExecOptions, ExecResult } from '../../../engine/src/sandbox.ts';
import { logger } from '../logger.ts';
import { IncusCluster, type MemberStatus } from './incus-cluster.ts';
import { addressesHeld, drawFreeAddress } from './lab-address.ts';
import {
  boundedOutput,
  CommandTimeoutError,
  SandboxStoppedError,
  tmuxAttach,
  waitForSandboxReady,
  type AttachCommand,
  type AttachOptions,
  type SandboxInfo,
  type SandboxLimits,
  type SandboxRuntime,
} from './sandbox-runtime.ts';

const LEARNER = 'learner';
export const INCUS_SOCKET = '/var/lib/incus/unix.socket';
const KEY_MANAGED = 'user.dockyard.managed';
const KEY_INSTANCE = 'user.dockyard.instance';
const KEY_SESSION = 'user.dockyard.session';

/** Incus's refusal of an address another NIC has (at creation or, for a static one, at start). */
const ADDRESS_TAKEN = /already (in use|used|allocated|defined on another NIC)/i;

const instanceName = (sessionId: string) => `dockyard-${sessionId}`;
const mib = (bytes: number) => `${Math.max(1, Math.floor(bytes / 1024 ** 2))}MiB`;

/** An answer of Incus's REST API that is an error, with Incus's own status code. */
export class IncusError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

interface IncusResponse<T> {
  type: 'sync' | 'async' | 'error';
  status_code?: number;
  error_code?: number;
  error?: string;
  operation?: string;
  metadata: T;
}

/** A small client of Incus's REST API over its unix socket (https://linuxcontainers.org/incus/docs/main/rest-api/). */
export class IncusApi {
  constructor(private readonly socketPath = INCUS_SOCKET) {}

  request<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<IncusResponse<T>> {
    const payload =
      body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          socketPath: this.socketPath,
          method,
          path,
          headers: {
            ...(payload && !Buffer.isBuffer(body) ? { 'content-type': 'application/json' } : {}),
            ...(payload ? { 'content-length': String(payload.length) } : {}),
            ...headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            let parsed: IncusResponse<T>;
            try {
              parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as IncusResponse<T>;
            } catch {
              return reject(new IncusError(`Incus answered ${path} with something that is not JSON.`, 500));
            }
            if (parsed.type === 'error')
              return reject(new IncusError(parsed.error ?? 'unknown Incus error', parsed.error_code ?? 500));
            resolve(parsed);
          });
          res.on('error', reject);
        },
      );
      req.on('error', (err) =>
        reject(new IncusError(`Incus does not answer on ${this.socketPath}: ${err.message}`, 503)),
      );
      req.end(payload);
    });
  }

  /** Runs a request that starts an operation, and waits for the operation to end. */
  async operate(method: string, path: string, body?: unknown, timeoutSeconds = 120): Promise<void> {
    const started = await this.request<unknown>(method, path, body);
    if (started.type !== 'async' || !started.operation) return;
    // A cluster member answers for an instance it places on another one with the operation's URL
    // and a query (…/operations/<id>?project=default): "/wait" goes before it.
    const operation = new URL(started.operation, 'http://incus');
    operation.pathname += '/wait';
    operation.searchParams.set('timeout', String(timeoutSeconds));
    const done = await this.request<{ status: string; err?: string }>(
      'GET',
      operation.pathname + operation.search,
    );
    if (done.metadata.status !== 'Success')
      throw new IncusError(done.metadata.err || `operation ended ${done.metadata.status}`, 500);
  }

  async get<T>(path: string): Promise<T> {
    return (await this.request<T>('GET', path)).metadata;
  }
}

export interface IncusRuntimeOptions {
  /** Alias of the sandbox image in Incus's image store. */
  image: string;
  instance: string;
  pool: string;
  network: string;
  /** The bridge's gateway, where the lab's services answer, and the subnet's prefix length. */
  gateway: string;
  prefixLength: number;
  labHostNames: string[];
  /** The lab CA certificate (PEM), trusted inside sandboxes. */
  labCaPem?: string;
  incusCli?: string;
  /** The daemon's (or cluster member's) unix socket, for the incus CLI too; the local one by default. */
  socket?: string;
  /** Each cluster member's share of the subnet, where its machines take their addresses. */
  memberSubnets?: Record<string, string>;
}

interface InstanceRecord {
  name: string;
  status: string;
  /** Null for a machine on a cluster member that is down. */
  config: Record<string, string> | null;
}

interface InstanceState {
  status: string;
  network?: Record<string, { addresses: { family: string; address: string; scope: string }[] }>;
}

/**
 * Sandboxes as unprivileged Incus system containers: root inside is an unprivileged uid range of its
 * own on the host (security.idmap.isolated), nesting lets the machine run its own Docker engine,
 * and the limits (memory, CPU, processes, and a disk quota on the btrfs pool) are Incus's. Each sits
 * on the lab bridge behind port isolation and IP/MAC filtering: it reaches the gateway's lab
 * services and nothing else (the host firewall drops every other host port).
 */
export class IncusRuntime implements SandboxRuntime {
  readonly name = 'incus' as const;
  private readonly cli: string;
  private readonly cliEnv: NodeJS.ProcessEnv;
  /** The cluster the daemon belongs to, if it does: placement, members, machines on a member gone. */
  readonly cluster: IncusCluster;
  /** Addresses drawn for machines being made, not yet on Incus's record. */
  private readonly reserved = new Set<string>();

  constructor(
    private readonly api: IncusApi,
    private readonly options: IncusRuntimeOptions,
  ) {
    this.cli = options.incusCli ?? 'incus';
    this.cliEnv = { ...process.env, ...(options.socket ? { INCUS_SOCKET: options.socket } : {}) };
    this.cluster = new IncusCluster(api);
  }

  members(): Promise<MemberStatus[]> {
    return this.cluster.members();
  }

  stranded(): Promise<string[]> {
    return this.cluster.stranded();
  }

  /**
   * Makes and starts a learner's machine. One failed attempt is cleared away and made again: Incus
   * sometimes refuses mid-change (two machines unpacking a newly imported image at once, a start
   * timing out under load), and the learner should not see that as "try again in a minute".
   */
  async create(sessionId: string, limits: SandboxLimits): Promise<void> {
    try {
      await this.createOnce(sessionId, limits);
    } catch (err) {
      logger.warn({ sessionId, err }, 'a machine could not be made; removing it and trying once more');
      await this.remove(sessionId).catch(() => undefined);
      try {
        await this.createOnce(sessionId, limits);
      } catch (again) {
        await this.remove(sessionId).catch(() => undefined);
        throw again;
      }
    }
  }

  private async createOnce(sessionId: string, limits: SandboxLimits): Promise<void> {
    const name = instanceName(sessionId);
    // A static address no other machine holds. Another server on the same bridge may draw the
    // same one in the same moment; Incus then refuses the start, and the machine is made again
    // with another address.
    for (let attempt = 0; ; attempt++) {
      // On a cluster, the member with the most free memory (Incus places it there).
      const target = await this.cluster.placement();
      const address = await this.reserveAddress(target);
      try {
        await this.createInstance(name, sessionId, limits, address, target);
        await this.pushLabFiles(name, address);
        await this.api.operate('PUT', `/1.0/instances/${name}/state`, { action: 'start', timeout: 30 });
        logger.info({ sessionId, image: this.options.image, address }, 'sandbox started');
        return;
      } catch (err) {
        if (attempt >= 8 || !(err instanceof IncusError && ADDRESS_TAKEN.test(err.message))) throw err;
        logger.warn({ sessionId, address }, 'another machine holds this address; drawing another');
        await this.remove(sessionId).catch(() => undefined);
      } finally {
        this.reserved.delete(address);
      }
    }
  }

  /**
   * A free address of the lab subnet: not held by any instance Incus knows, nor by a machine this
   * server is making right now (it holds it from the draw until Incus has it on record). On a
   * cluster whose members have shares of the subnet, from the share of the member it goes to.
   */
  private async reserveAddress(target: string | undefined): Promise<string> {
    const shares = this.options.memberSubnets ?? {};
    const within = target ? shares[target] : undefined;
    if (Object.keys(shares).length > 0 && !within)
      throw new Error(
        `DOCKYARD_INCUS_MEMBER_SUBNETS gives no share of the lab subnet to ${target ? `member ${target}` : 'the member Incus would choose'}: its machines could not reach the lab.`,
      );
    const instances = await this.api.get<{ devices?: Record<string, Record<string, string>> | null }[]>(
      '/1.0/instances?recursion=1',
    );
    const held = addressesHeld(instances);
    for (const address of this.reserved) held.add(address);
    const address = drawFreeAddress(this.options.gateway, this.options.prefixLength, held, { within });
    this.reserved.add(address);
    return address;
  }

  private async pushLabFiles(name: string, address: string): Promise<void> {
    const hosts = [
      '127.0.0.1 localhost',
      '127.0.1.1 dockyard',
      ...this.options.labHostNames.map((host) => `${this.options.gateway} ${host}`),
      '',
    ].join('\n');
    await this.pushFile(name, '/etc/hosts', hosts);
    await this.pushFile(name, '/etc/hostname', 'dockyard\n');
    await this.pushFile(name, '/etc/resolv.conf', `nameserver ${this.options.gateway}\n`);
    await this.pushFile(name, '/etc/dockyard', undefined);
    await this.pushFile(name, '/etc/dockyard/address', `${address}/${this.options.prefixLength}\n`);
    if (this.options.labCaPem)
      await this.pushFile(
        name,
        '/usr/local/share/ca-certificates/dockyard-lab-ca.crt',
        this.options.labCaPem,
      );
  }

  private async createInstance(
    name: string,
    sessionId: string,
    limits: SandboxLimits,
    address: string,
    target: string | undefined,
  ) {
    const cpus = limits.nanoCpus / 1e9;
    const query = target ? `?target=${encodeURIComponent(target)}` : '';
    await this.api.operate('POST', `/1.0/instances${query}`, {
      name,
      type: 'container',
      source: { type: 'image', alias: this.options.image },
      profiles: [],
      config: {
        [KEY_MANAGED]: 'true',
        [KEY_INSTANCE]: this.options.instance,
        [KEY_SESSION]: sessionId,
        'security.nesting': 'true',
        'security.idmap.isolated': 'true',
        'security.privileged': 'false',
        'limits.memory': mib(limits.memoryBytes),
        'limits.memory.swap': 'false',
        'limits.cpu.allowance': `${Math.max(1, Math.round(cpus * 100))}ms/100ms`,
        'limits.processes': String(limits.pidsLimit),
        'boot.autostart': 'false',
      },
      devices: {
        root: { type: 'disk', path: '/', pool: this.options.pool, size: mib(limits.diskBytes) },
        eth0: {
          type: 'nic',
          name: 'eth0',
          network: this.options.network,
          'security.port_isolation': 'true',
          'security.mac_filtering': 'true',
          'security.ipv4_filtering': 'true',
          'ipv4.address': address,
        },
      },
    });
  }

  /** Writes a file (or, without content, makes a directory) in a stopped instance, owned by its root. */
  private async pushFile(name: string, path: string, content: string | undefined): Promise<void> {
    await this.api.request(
      'POST',
      `/1.0/instances/${name}/files?path=${encodeURIComponent(path)}`,
      Buffer.from(content ?? ''),
      {
        'content-type': 'application/octet-stream',
        'x-incus-uid': '0',
        'x-incus-gid': '0',
        'x-incus-mode': content === undefined ? '0755' : '0644',
        'x-incus-type': content === undefined ? 'directory' : 'file',
        'x-incus-write': 'overwrite',
      },
    );
  }

  private async status(sessionId: string): Promise<string | undefined> {
    try {
      return (await this.api.get<InstanceRecord>(`/1.0/instances/${instanceName(sessionId)}`)).status;
    } catch (err) {
      if (err instanceof IncusError && err.status === 404) return undefined;
      throw err;
    }
  }

  async isRunning(sessionId: string): Promise<boolean> {
    return (await this.status(sessionId)) === 'Running';
  }

  async stop(sessionId: string): Promise<void> {
    const name = instanceName(sessionId);
    const notRunning = (err: unknown) => {
      if (!(err instanceof IncusError && /not running/i.test(err.message))) throw err;
    };
    // A clean shutdown first (systemd stops the engine and its containers), then a forced one.
    await this.api
      .operate('PUT', `/1.0/instances/${name}/state`, { action: 'stop', timeout: 30 })
      .catch(notRunning)
      .catch(() =>
        this.api
          .operate('PUT', `/1.0/instances/${name}/state`, { action: 'stop', force: true, timeout: 30 })
          .catch(notRunning),
      );
    logger.info({ sessionId }, 'sandbox stopped');
  }

  async start(sessionId: string): Promise<void> {
    // A machine that is still shutting down (the learner's poweroff) must finish before it starts.
    const deadline = Date.now() + 30_000;
    let status = await this.status(sessionId);
    while (status !== 'Running' && status !== 'Stopped' && status !== undefined && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      status = await this.status(sessionId);
    }
    if (status === 'Running') return;
    await this.api.operate('PUT', `/1.0/instances/${instanceName(sessionId)}/state`, {
      action: 'start',
      timeout: 30,
    });
    logger.info({ sessionId }, 'sandbox started again');
  }

  waitUntilReady(sessionId: string, timeoutMs: number): Promise<void> {
    return waitForSandboxReady((script, options) => this.exec(sessionId, script, options), timeoutMs);
  }

  /** `incus exec` arguments that run argv as the learner (with their groups) or as root. */
  private execArgs(sessionId: string, user: 'root' | 'learner', argv: string[], tty: boolean): string[] {
    const home = user === LEARNER ? `/home/${LEARNER}` : '/root';
    return [
      'exec',
      instanceName(sessionId),
      tty ? '-t' : '-T',
      '--cwd',
      home,
      '--env',
      `HOME=${home}`,
      '--env',
      `USER=${user}`,
      '--env',
      'LANG=C.UTF-8',
      '--env',
      'TERM=xterm-256color',
      '--',
      // runuser sets the learner's supplementary groups from /etc/group at every call, as a login
      // would (so `usermod -aG docker learner` takes effect on the next command).
      ...(user === LEARNER ? ['runuser', '-u', LEARNER, '--'] : []),
      ...argv,
    ];
  }

  exec(sessionId: string, script: string, options: ExecOptions = {}): Promise<ExecResult> {
    const timeoutMs = options.timeoutMs ?? 30_000;
    // `timeout` holds the command's process group: a second after the deadline it kills the whole
    // group, children included (killing the client below ends only the client, and Incus leaves
    // the command running). The second lets this side's timer answer first.
    const deadline = String(Math.ceil(timeoutMs / 1000) + 1);
    const argv = ['timeout', '-s', 'KILL', deadline, 'sh', '-c', script];
    const args = this.execArgs(sessionId, options.user ?? 'root', argv, false);
    return new Promise((resolve, reject) => {
      // spawn, not execFile: execFile kills the command at its maxBuffer (a chatty check then ended
      // with SIGPIPE's 141 instead of its own exit code).
      const child = spawn(this.cli, args, { stdio: ['ignore', 'pipe', 'pipe'], env: this.cliEnv });
      const output = boundedOutput();
      child.stdout.on('data', output.stdout);
      child.stderr.on('data', output.stderr);
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new CommandTimeoutError(timeoutMs));
      }, timeoutMs);
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        const { stdout, stderr } = output.text();
        // The CLI's own failures (instance stopped or gone) are not the script's.
        if (
          code !== 0 &&
          /^Error: (.*: )?(Instance is not running|Failed to retrieve PID|Instance not found)/m.test(stderr)
        )
          return reject(new SandboxStoppedError(stderr.trim()));
        resolve({ exitCode: code ?? -1, stdout, stderr });
      });
    });
  }

  async sandboxAddress(sessionId: string): Promise<string> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const state = await this.api.get<InstanceState>(`/1.0/instances/${instanceName(sessionId)}/state`);
      const address = state.network?.eth0?.addresses.find((a) => a.family === 'inet' && a.scope === 'global');
      if (address) return address.address;
      if (Date.now() > deadline)
        throw new Error(`The sandbox of session ${sessionId} has no address on the lab network.`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  attachCommand(sessionId: string, options: AttachOptions = {}): AttachCommand {
    return {
      file: this.cli,
      args: this.execArgs(sessionId, LEARNER, tmuxAttach(options), true),
      env: { ...(this.cliEnv as Record<string, string>), TERM: 'xterm-256color' },
    };
  }

  async remove(sessionId: string): Promise<void> {
    const name = instanceName(sessionId);
    const gone = (err: unknown) => {
      if (!(err instanceof IncusError && err.status === 404)) throw err;
    };
    if ((await this.status(sessionId)) === 'Running')
      await this.api
        .operate('PUT', `/1.0/instances/${name}/state`, { action: 'stop', force: true, timeout: 30 })
        .catch((err: unknown) => {
          if (!(err instanceof IncusError && /not running/i.test(err.message))) gone(err);
        });
    await this.api.operate('DELETE', `/1.0/instances/${name}`).catch(gone);
    logger.info({ sessionId }, 'sandbox removed');
  }

  async list(): Promise<SandboxInfo[]> {
    const all = await this.api.get<InstanceRecord[]>('/1.0/instances?recursion=1');
    return all
      .flatMap((i) => (i.config ? [{ ...i, config: i.config }] : []))
      .filter((i) => i.config[KEY_MANAGED] === 'true' && i.config[KEY_INSTANCE] === this.options.instance)
      .map((i) => ({ sessionId: i.config[KEY_SESSION] ?? '', running: i.status === 'Running' }));
  }

  /** An Incus sandbox owns nothing outside its instance: removing it removes everything. */
  async removeOrphans(): Promise<number> {
    return 0;
  }
}
