import { spawn } from 'node:child_process';
import http from 'node:http';
import type { ExecResult } from '../../../engine/src/sandbox.ts';
import { logger } from '../logger.ts';
import { IncusCluster, type MemberStatus } from './incus-cluster.ts';
import { addressesHeld, drawFreeAddress } from './lab-address.ts';
import { LAN_PREFIX, LAN_PREFIX_LENGTH, lanAddress, lanName } from './machine-lan.ts';
import {
  boundedOutput,
  CommandTimeoutError,
  FIRST_MACHINE,
  machineNames,
  SandboxStoppedError,
  tmuxAttach,
  waitForSandboxReady,
  type AttachCommand,
  type AttachOptions,
  type RuntimeExecOptions,
  type SandboxInfo,
  type SandboxLimits,
  type SandboxRuntime,
} from './sandbox-runtime.ts';

const LEARNER = 'learner';
export const INCUS_SOCKET = '/var/lib/incus/unix.socket';
const KEY_MANAGED = 'user.dockyard.managed';
const KEY_INSTANCE = 'user.dockyard.instance';
const KEY_SESSION = 'user.dockyard.session';
/** On a session's first machine: how many machines the session has (absent: one). */
const KEY_MACHINES = 'user.dockyard.machines';

/** Incus's refusal of an address another NIC has (at creation or, for a static one, at start). */
const ADDRESS_TAKEN = /already (in use|used|allocated|defined on another NIC)/i;

/** The instance of a session's machine: `dockyard-<id>` for node1, `dockyard-<id>-node2`… */
const instanceName = (sessionId: string, machine: string = FIRST_MACHINE) => {
  if (!/^node[1-5]$/.test(machine)) throw new Error(`There is no machine "${machine}".`);
  return machine === FIRST_MACHINE ? `dockyard-${sessionId}` : `dockyard-${sessionId}-${machine}`;
};

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
  async create(sessionId: string, limits: SandboxLimits, machines = 1): Promise<void> {
    try {
      await this.createOnce(sessionId, limits, machines);
    } catch (err) {
      logger.warn({ sessionId, err }, 'a machine could not be made; removing it and trying once more');
      await this.remove(sessionId).catch(() => undefined);
      try {
        await this.createOnce(sessionId, limits, machines);
      } catch (again) {
        await this.remove(sessionId).catch(() => undefined);
        throw again;
      }
    }
  }

  private async createOnce(sessionId: string, limits: SandboxLimits, machines: number): Promise<void> {
    // On a cluster, the member with the most free memory (Incus places it there). A session's
    // machines sit on one member: their network is a bridge of that member's.
    const target = await this.cluster.placement();
    if (machines > 1) await this.createLan(sessionId);
    await Promise.all(
      machineNames(machines).map((machine) =>
        this.createMachine({ sessionId, machine, machines, limits, target }),
      ),
    );
  }

  /** Makes and starts one machine of a session. */
  private async createMachine(made: MachineToMake): Promise<void> {
    const name = instanceName(made.sessionId, made.machine);
    // A static address no other machine holds. Another server on the same bridge may draw the
    // same one in the same moment; Incus then refuses the start, and the machine is made again
    // with another address.
    for (let attempt = 0; ; attempt++) {
      const address = await this.reserveAddress(made.target);
      try {
        await this.createInstance(name, made, address);
        await this.pushLabFiles(name, address, made);
        await this.api.operate('PUT', `/1.0/instances/${name}/state`, { action: 'start', timeout: 30 });
        logger.info(
          { sessionId: made.sessionId, machine: made.machine, image: this.options.image, address },
          'sandbox started',
        );
        return;
      } catch (err) {
        if (attempt >= 8 || !(err instanceof IncusError && ADDRESS_TAKEN.test(err.message))) throw err;
        logger.warn(
          { sessionId: made.sessionId, address },
          'another machine holds this address; drawing another',
        );
        await this.removeInstance(name).catch(() => undefined);
      } finally {
        this.reserved.delete(address);
      }
    }
  }

  /**
   * The session's own network, for a lesson with several machines: a bridge with no address on
   * the host, so nothing there is routed or answered by the host. On a cluster, Incus makes a
   * network on every member first (one pending definition each), then as a whole.
   */
  private async createLan(sessionId: string): Promise<void> {
    const name = lanName(sessionId);
    const config = {
      'ipv4.address': 'none',
      'ipv6.address': 'none',
      [KEY_MANAGED]: 'true',
      [KEY_INSTANCE]: this.options.instance,
      [KEY_SESSION]: sessionId,
    };
    if (await this.cluster.clustered()) {
      const members = await this.api.get<{ server_name: string }[]>('/1.0/cluster/members?recursion=1');
      for (const member of members)
        await this.api.request('POST', `/1.0/networks?target=${encodeURIComponent(member.server_name)}`, {
          name,
          type: 'bridge',
          config: {},
        });
    }
    await this.api.request('POST', '/1.0/networks', { name, type: 'bridge', config });
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

  private async pushLabFiles(name: string, address: string, made: MachineToMake): Promise<void> {
    // One machine is `dockyard`, as on Docker; several are called by their names.
    const several = made.machines > 1;
    const hostname = several ? made.machine : 'dockyard';
    const peers = several
      ? machineNames(made.machines)
          .filter((machine) => machine !== made.machine)
          .map((machine) => `${lanAddress(machine)} ${machine}`)
      : [];
    const hosts = [
      '127.0.0.1 localhost',
      `127.0.1.1 ${hostname}`,
      ...peers,
      ...this.options.labHostNames.map((host) => `${this.options.gateway} ${host}`),
      '',
    ].join('\n');
    await this.pushFile(name, '/etc/hosts', hosts);
    await this.pushFile(name, '/etc/hostname', `${hostname}\n`);
    await this.pushFile(name, '/etc/resolv.conf', `nameserver ${this.options.gateway}\n`);
    await this.pushFile(name, '/etc/dockyard', undefined);
    await this.pushFile(name, '/etc/dockyard/address', `${address}/${this.options.prefixLength}\n`);
    if (several)
      await this.pushFile(
        name,
        '/etc/dockyard/lan-address',
        `${lanAddress(made.machine)}/${LAN_PREFIX_LENGTH}\n`,
      );
    if (this.options.labCaPem)
      await this.pushFile(
        name,
        '/usr/local/share/ca-certificates/dockyard-lab-ca.crt',
        this.options.labCaPem,
      );
  }

  private async createInstance(name: string, made: MachineToMake, address: string) {
    const { sessionId, limits, target } = made;
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
        ...(made.machines > 1 && made.machine === FIRST_MACHINE
          ? { [KEY_MACHINES]: String(made.machines) }
          : {}),
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
        ...(made.machines > 1 ? { eth1: { type: 'nic', name: 'eth1', network: lanName(sessionId) } } : {}),
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

  /** A machine's instance record, or undefined when Incus has none. */
  private async record(sessionId: string, machine = FIRST_MACHINE): Promise<InstanceRecord | undefined> {
    try {
      return await this.api.get<InstanceRecord>(`/1.0/instances/${instanceName(sessionId, machine)}`);
    } catch (err) {
      if (err instanceof IncusError && err.status === 404) return undefined;
      throw err;
    }
  }

  /** The session's machines (node1…nodeN), as its first machine records them. */
  private async machinesOf(sessionId: string): Promise<string[]> {
    const first = await this.record(sessionId);
    return machineNames(Number(first?.config?.[KEY_MACHINES] ?? 1));
  }

  async isRunning(sessionId: string): Promise<boolean> {
    const first = await this.record(sessionId);
    if (first?.status !== 'Running') return false;
    const others = machineNames(Number(first.config?.[KEY_MACHINES] ?? 1)).slice(1);
    const records = await Promise.all(others.map((machine) => this.record(sessionId, machine)));
    return records.every((r) => r?.status === 'Running');
  }

  async stop(sessionId: string): Promise<void> {
    const notRunning = (err: unknown) => {
      if (!(err instanceof IncusError && /not running/i.test(err.message))) throw err;
    };
    const stop = (name: string) =>
      // A clean shutdown first (systemd stops the engine and its containers), then a forced one.
      this.api
        .operate('PUT', `/1.0/instances/${name}/state`, { action: 'stop', timeout: 30 })
        .catch(notRunning)
        .catch(() =>
          this.api
            .operate('PUT', `/1.0/instances/${name}/state`, { action: 'stop', force: true, timeout: 30 })
            .catch(notRunning),
        );
    const machines = await this.machinesOf(sessionId);
    await Promise.all(machines.map((machine) => stop(instanceName(sessionId, machine))));
    logger.info({ sessionId }, 'sandbox stopped');
  }

  async start(sessionId: string): Promise<void> {
    const machines = await this.machinesOf(sessionId);
    await Promise.all(machines.map((machine) => this.startMachine(sessionId, machine)));
  }

  private async startMachine(sessionId: string, machine: string): Promise<void> {
    // A machine that is still shutting down (the learner's poweroff) must finish before it starts.
    const deadline = Date.now() + 30_000;
    let status = (await this.record(sessionId, machine))?.status;
    while (status !== 'Running' && status !== 'Stopped' && status !== undefined && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      status = (await this.record(sessionId, machine))?.status;
    }
    if (status === 'Running') return;
    await this.api.operate('PUT', `/1.0/instances/${instanceName(sessionId, machine)}/state`, {
      action: 'start',
      timeout: 30,
    });
    logger.info({ sessionId, machine }, 'sandbox started again');
  }

  async waitUntilReady(sessionId: string, timeoutMs: number): Promise<void> {
    const machines = await this.machinesOf(sessionId);
    await Promise.all(
      machines.map((machine) =>
        waitForSandboxReady(
          (script, options) => this.exec(sessionId, script, { ...options, machine }),
          timeoutMs,
        ),
      ),
    );
  }

  /** `incus exec` arguments that run argv as the learner (with their groups) or as root. */
  private execArgs(
    sessionId: string,
    machine: string | undefined,
    user: 'root' | 'learner',
    argv: string[],
    tty: boolean,
  ): string[] {
    const home = user === LEARNER ? `/home/${LEARNER}` : '/root';
    return [
      'exec',
      instanceName(sessionId, machine),
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

  exec(sessionId: string, script: string, options: RuntimeExecOptions = {}): Promise<ExecResult> {
    const timeoutMs = options.timeoutMs ?? 30_000;
    // `timeout` holds the command's process group: a second after the deadline it kills the whole
    // group, children included (killing the client below ends only the client, and Incus leaves
    // the command running). The second lets this side's timer answer first.
    const deadline = String(Math.ceil(timeoutMs / 1000) + 1);
    const argv = ['timeout', '-s', 'KILL', deadline, 'sh', '-c', script];
    const args = this.execArgs(sessionId, options.machine, options.user ?? 'root', argv, false);
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
      args: this.execArgs(sessionId, options.machine, LEARNER, tmuxAttach(options), true),
      env: { ...(this.cliEnv as Record<string, string>), TERM: 'xterm-256color' },
    };
  }

  /**
   * Removes every machine of the session (found by name, so those of a half-made session too)
   * and its network.
   */
  async remove(sessionId: string): Promise<void> {
    const first = instanceName(sessionId);
    const names = (await this.api.get<string[]>('/1.0/instances'))
      .map((url) => decodeURIComponent(url.slice(url.lastIndexOf('/') + 1)))
      .filter(
        (name) => name === first || (name.startsWith(first) && /^-node[2-5]$/.test(name.slice(first.length))),
      );
    await Promise.all(names.map((name) => this.removeInstance(name)));
    await this.removeLan(sessionId);
    logger.info({ sessionId }, 'sandbox removed');
  }

  /**
   * Deletes the session's network, if it has one, asking again a few times should Incus refuse
   * (each refusal logged); a network that stays is removed with the session by the reaper later.
   */
  private async removeLan(sessionId: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.api.operate('DELETE', `/1.0/networks/${lanName(sessionId)}`);
        return;
      } catch (err) {
        if (err instanceof IncusError && err.status === 404) return;
        if (attempt >= 10) throw err;
        logger.warn(
          { sessionId, err, attempt },
          "the session's network could not be removed yet; trying again",
        );
        await new Promise((r) => setTimeout(r, 300));
      }
    }
  }

  /** Stops (forced) and deletes one instance; one already gone is fine. */
  private async removeInstance(name: string): Promise<void> {
    const status = await this.api
      .get<InstanceRecord>(`/1.0/instances/${name}`)
      .then((r) => r.status)
      .catch((err: unknown) => gone(err));
    if (status === undefined) return;
    if (status === 'Running')
      await this.api
        .operate('PUT', `/1.0/instances/${name}/state`, { action: 'stop', force: true, timeout: 30 })
        .catch((err: unknown) => {
          if (!(err instanceof IncusError && /not running/i.test(err.message))) gone(err);
        });
    await this.api.operate('DELETE', `/1.0/instances/${name}`).catch(gone);
  }

  async list(): Promise<SandboxInfo[]> {
    const all = await this.api.get<InstanceRecord[]>('/1.0/instances?recursion=1');
    const sessions = new Map<string, boolean>();
    for (const i of all) {
      if (!i.config || i.config[KEY_MANAGED] !== 'true' || i.config[KEY_INSTANCE] !== this.options.instance)
        continue;
      // A session with several machines runs when every one of them does.
      const id = i.config[KEY_SESSION] ?? '';
      sessions.set(id, (sessions.get(id) ?? true) && i.status === 'Running');
    }
    return [...sessions].map(([sessionId, running]) => ({ sessionId, running }));
  }

  /** Networks of sessions with several machines whose session is not in `keep` (its machines are gone). */
  async removeOrphans(keep: Set<string>): Promise<number> {
    const networks =
      await this.api.get<{ name: string; config: Record<string, string> | null }[]>(
        '/1.0/networks?recursion=1',
      );
    const orphans = networks.filter(
      (n) =>
        n.name.startsWith(LAN_PREFIX) &&
        n.config?.[KEY_MANAGED] === 'true' &&
        n.config[KEY_INSTANCE] === this.options.instance &&
        !keep.has(n.config[KEY_SESSION] ?? ''),
    );
    for (const n of orphans) await this.api.operate('DELETE', `/1.0/networks/${n.name}`).catch(gone);
    return orphans.length;
  }
}

/** What one machine of a session is made with. */
interface MachineToMake {
  sessionId: string;
  machine: string;
  /** How many machines the session has. */
  machines: number;
  limits: SandboxLimits;
  /** The cluster member it goes to, if on a cluster. */
  target: string | undefined;
}

/** Lets an Incus "not found" pass (the thing is gone already), and throws anything else. */
function gone(err: unknown): undefined {
  if (!(err instanceof IncusError && err.status === 404)) throw err;
  return undefined;
}
