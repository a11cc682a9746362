import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import type { ExecResult } from '../../../engine/src/sandbox.ts';
import { logger } from '../logger.ts';
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

export const LABEL_MANAGED = 'dockyard.managed';
export const LABEL_SESSION = 'dockyard.session';
export const LABEL_INSTANCE = 'dockyard.instance';
/** Which machine of its session a container is (node1…), and how many the session has. */
const LABEL_MACHINE = 'dockyard.machine';
const LABEL_MACHINES = 'dockyard.machines';
/** Every sandbox bridge is named with this prefix, so the firewall can match them all at once. */
export const BRIDGE_PREFIX = 'dy';
const LEARNER = 'learner';

/** A session's Docker objects; a lesson's further machines have `-node2`… in their names. */
const names = (sessionId: string, machine: string = FIRST_MACHINE) => {
  if (!/^node[1-5]$/.test(machine)) throw new Error(`There is no machine "${machine}".`);
  const own = machine === FIRST_MACHINE ? '' : `-${machine}`;
  return {
    container: `dockyard-${sessionId}${own}`,
    network: `dockyard-${sessionId}`,
    volume: `dockyard-${sessionId}${own}-docker`,
    bridge: `${BRIDGE_PREFIX}${sessionId.slice(0, 13)}`,
  };
};

const isNotFound = (err: unknown) => (err as { statusCode?: number }).statusCode === 404;

/**
 * Sandboxes as Docker containers on the host engine: systemd as PID 1 with its own dockerd,
 * a private cgroup namespace (nested containers stay inside the limits), an internal bridge of
 * its own (no route out, no route to other sandboxes) and a volume for /var/lib/docker.
 */
export interface DockerRuntimeOptions {
  image: string;
  /** Label value that tells this server's sandboxes apart from another server's. */
  instance: string;
  /** Host names that resolve to the host inside sandboxes (the lab hub's names). */
  labHostNames: string[];
  /** The lab CA certificate, trusted inside sandboxes. */
  labCaFile?: string;
  dockerCli?: string;
}

export class DockerRuntime implements SandboxRuntime {
  readonly name = 'docker' as const;
  private readonly image: string;
  private readonly instance: string;
  private readonly dockerCli: string;

  constructor(
    private readonly docker: Docker,
    private readonly options: DockerRuntimeOptions,
  ) {
    this.image = options.image;
    this.instance = options.instance;
    this.dockerCli = options.dockerCli ?? 'docker';
  }

  private get filters() {
    return { label: [`${LABEL_MANAGED}=true`, `${LABEL_INSTANCE}=${this.instance}`] };
  }

  /**
   * A session's machines share its internal network, where each is known by its name (node1…)
   * to the others through Docker's own DNS.
   */
  async create(sessionId: string, limits: SandboxLimits, machines = 1): Promise<void> {
    const n = names(sessionId);
    const labels = { [LABEL_MANAGED]: 'true', [LABEL_INSTANCE]: this.instance, [LABEL_SESSION]: sessionId };
    const network = await this.docker.createNetwork({
      Name: n.network,
      Driver: 'bridge',
      Internal: true,
      Labels: labels,
      Options: { 'com.docker.network.bridge.name': n.bridge },
    });
    const gateway = ((await network.inspect()) as { IPAM: { Config: { Gateway?: string }[] } }).IPAM.Config[0]
      ?.Gateway;
    await Promise.all(
      machineNames(machines).map((machine) =>
        this.createMachine(sessionId, machine, machines, limits, labels, gateway),
      ),
    );
  }

  private async createMachine(
    sessionId: string,
    machine: string,
    machines: number,
    limits: SandboxLimits,
    sessionLabels: Record<string, string>,
    gateway: string | undefined,
  ): Promise<void> {
    const n = names(sessionId, machine);
    const labels = { ...sessionLabels, [LABEL_MACHINE]: machine, [LABEL_MACHINES]: String(machines) };
    await this.docker.createVolume({ Name: n.volume, Labels: labels });
    const container = await this.docker.createContainer({
      name: n.container,
      Image: this.image,
      // One machine is `dockyard`; several are called by their names.
      Hostname: machines > 1 ? machine : 'dockyard',
      Labels: labels,
      NetworkingConfig: { EndpointsConfig: { [n.network]: { Aliases: [machine] } } },
      Env: ['container=docker'],
      StopSignal: 'SIGRTMIN+3',
      HostConfig: {
        NetworkMode: n.network,
        // The lab's services live on the host, reached through this bridge's gateway.
        ExtraHosts: gateway ? this.options.labHostNames.map((name) => `${name}:${gateway}`) : [],
        // Outside names get a quick "no such host" from the lab DNS instead of a 10 s timeout.
        Dns: gateway ? [gateway] : [],
        // Docker-in-Docker without --privileged (which this kind of host refuses): every
        // capability except SYS_RESOURCE, no seccomp/AppArmor filter, writable system paths.
        CapAdd: ['ALL'],
        CapDrop: ['SYS_RESOURCE'],
        SecurityOpt: ['seccomp=unconfined', 'apparmor=unconfined'],
        // systempaths=unconfined, as the API spells it: nothing masked or read-only under /proc, /sys.
        MaskedPaths: [],
        ReadonlyPaths: [],
        DeviceCgroupRules: ['a *:* rwm'],
        CgroupnsMode: 'private',
        Tmpfs: { '/run': 'rw,mode=755', '/run/lock': 'rw', '/tmp': 'rw,mode=1777' },
        Binds: [
          `${n.volume}:/var/lib/docker`,
          ...(this.options.labCaFile
            ? [`${this.options.labCaFile}:/usr/local/share/ca-certificates/dockyard-lab-ca.crt:ro`]
            : []),
        ],
        Memory: limits.memoryBytes,
        MemorySwap: limits.memoryBytes,
        NanoCpus: limits.nanoCpus,
        PidsLimit: limits.pidsLimit,
        RestartPolicy: { Name: 'no' },
      } as Docker.HostConfig,
    });
    await container.start();
    logger.info({ sessionId, machine, image: this.image }, 'sandbox started');
  }

  /** The containers of a session's machines, running or not. */
  private containersOf(sessionId: string): Promise<Docker.ContainerInfo[]> {
    return this.docker.listContainers({
      all: true,
      filters: { label: [...this.filters.label, `${LABEL_SESSION}=${sessionId}`] },
    });
  }

  async isRunning(sessionId: string): Promise<boolean> {
    const containers = await this.containersOf(sessionId);
    const machines = Number(containers[0]?.Labels[LABEL_MACHINES] ?? 1);
    return containers.length === machines && containers.every((c) => c.State === 'running');
  }

  async stop(sessionId: string): Promise<void> {
    const containers = await this.containersOf(sessionId);
    await Promise.all(
      containers.map((c) =>
        this.docker
          .getContainer(c.Id)
          .stop({ t: 30 })
          .catch((err: unknown) => {
            // 304: it was stopped already.
            if ((err as { statusCode?: number }).statusCode !== 304) throw err;
          }),
      ),
    );
    logger.info({ sessionId }, 'sandbox stopped');
  }

  async start(sessionId: string): Promise<void> {
    const containers = await this.containersOf(sessionId);
    await Promise.all(
      containers.map((c) =>
        this.docker
          .getContainer(c.Id)
          .start()
          .catch((err: unknown) => {
            // 304: it was running already.
            if ((err as { statusCode?: number }).statusCode !== 304) throw err;
          }),
      ),
    );
    logger.info({ sessionId }, 'sandbox started again');
  }

  async waitUntilReady(sessionId: string, timeoutMs: number): Promise<void> {
    const containers = await this.containersOf(sessionId);
    const machines = machineNames(Number(containers[0]?.Labels[LABEL_MACHINES] ?? 1));
    await Promise.all(
      machines.map((machine) =>
        waitForSandboxReady(
          (script, options) => this.exec(sessionId, script, { ...options, machine }),
          timeoutMs,
        ),
      ),
    );
  }

  async exec(sessionId: string, script: string, options: RuntimeExecOptions = {}): Promise<ExecResult> {
    const container = this.docker.getContainer(names(sessionId, options.machine).container);
    const user = options.user ?? 'root';
    const exec = await container
      .exec({
        Cmd: ['sh', '-c', script],
        User: user,
        WorkingDir: user === LEARNER ? `/home/${LEARNER}` : '/root',
        Env: user === LEARNER ? [`HOME=/home/${LEARNER}`, `USER=${LEARNER}`] : ['HOME=/root'],
        AttachStdout: true,
        AttachStderr: true,
      })
      .catch((err: { statusCode?: number; message?: string }) => {
        // 409: the container is not running (the learner powered it off, or it crashed).
        if (err.statusCode === 409) throw new SandboxStoppedError(err.message ?? 'not running');
        throw err;
      });
    const stream = await exec.start({ hijack: true, stdin: false });
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const output = boundedOutput();
    stdout.on('data', output.stdout);
    stderr.on('data', output.stderr);
    this.docker.modem.demuxStream(stream, stdout, stderr);
    const timeoutMs = options.timeoutMs ?? 30_000;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        stream.destroy();
        reject(new CommandTimeoutError(timeoutMs));
      }, timeoutMs);
      stream.on('end', () => {
        clearTimeout(timer);
        resolve();
      });
      stream.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
    const info = await exec.inspect();
    return { exitCode: info.ExitCode ?? -1, ...output.text() };
  }

  async sandboxAddress(sessionId: string): Promise<string> {
    const n = names(sessionId);
    const info = await this.docker.getContainer(n.container).inspect();
    const address = info.NetworkSettings.Networks[n.network]?.IPAddress;
    if (!address) throw new Error(`The sandbox of session ${sessionId} has no address on its network.`);
    return address;
  }

  attachCommand(sessionId: string, options: AttachOptions = {}): AttachCommand {
    return {
      file: this.dockerCli,
      args: [
        'exec',
        '-it',
        '-u',
        LEARNER,
        '-w',
        `/home/${LEARNER}`,
        '-e',
        'TERM=xterm-256color',
        '-e',
        'LANG=C.UTF-8',
        '-e',
        `HOME=/home/${LEARNER}`,
        '-e',
        `USER=${LEARNER}`,
        names(sessionId, options.machine).container,
        ...tmuxAttach(options),
      ],
      env: { ...(process.env as Record<string, string>), TERM: 'xterm-256color' },
    };
  }

  async remove(sessionId: string): Promise<void> {
    const n = names(sessionId);
    const containers = [n.container, ...(await this.containersOf(sessionId)).map((c) => c.Id)];
    for (const container of new Set(containers))
      await this.docker
        .getContainer(container)
        .remove({ force: true, v: true })
        .catch((err: unknown) => {
          if (!isNotFound(err)) throw err;
        });
    await this.docker
      .getNetwork(n.network)
      .remove()
      .catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
    const { Volumes } = await this.docker.listVolumes({
      filters: { label: [...this.filters.label, `${LABEL_SESSION}=${sessionId}`] },
    });
    for (const volume of new Set([n.volume, ...(Volumes ?? []).map((v) => v.Name)]))
      await this.docker
        .getVolume(volume)
        .remove({ force: true })
        .catch((err: unknown) => {
          if (!isNotFound(err)) throw err;
        });
    logger.info({ sessionId }, 'sandbox removed');
  }

  async list(): Promise<SandboxInfo[]> {
    const containers = await this.docker.listContainers({ all: true, filters: this.filters });
    // A session with several machines runs when every one of them does.
    const sessions = new Map<string, boolean>();
    for (const c of containers) {
      const id = c.Labels[LABEL_SESSION] ?? '';
      sessions.set(id, (sessions.get(id) ?? true) && c.State === 'running');
    }
    return [...sessions].map(([sessionId, running]) => ({ sessionId, running }));
  }

  async removeOrphans(keep: Set<string>): Promise<number> {
    const filters = this.filters;
    let removed = 0;
    for (const net of await this.docker.listNetworks({ filters })) {
      const sessionId = net.Labels?.[LABEL_SESSION];
      if (sessionId && !keep.has(sessionId)) {
        await this.docker
          .getNetwork(net.Id)
          .remove()
          .catch(() => undefined);
        removed++;
      }
    }
    const { Volumes } = await this.docker.listVolumes({ filters });
    for (const vol of Volumes ?? []) {
      const sessionId = vol.Labels?.[LABEL_SESSION];
      if (sessionId && !keep.has(sessionId)) {
        await this.docker
          .getVolume(vol.Name)
          .remove({ force: true })
          .catch(() => undefined);
        removed++;
      }
    }
    return removed;
  }
}
