import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import type { ExecOptions, ExecResult } from '../../../engine/src/sandbox.ts';
import { logger } from '../logger.ts';
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

export const LABEL_MANAGED = 'dockyard.managed';
export const LABEL_SESSION = 'dockyard.session';
export const LABEL_INSTANCE = 'dockyard.instance';
/** Every sandbox bridge is named with this prefix, so the firewall can match them all at once. */
export const BRIDGE_PREFIX = 'dy';
const LEARNER = 'learner';

const names = (sessionId: string) => ({
  container: `dockyard-${sessionId}`,
  network: `dockyard-${sessionId}`,
  volume: `dockyard-${sessionId}-docker`,
  bridge: `${BRIDGE_PREFIX}${sessionId.slice(0, 13)}`,
});

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

  async create(sessionId: string, limits: SandboxLimits): Promise<void> {
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
    await this.docker.createVolume({ Name: n.volume, Labels: labels });
    const container = await this.docker.createContainer({
      name: n.container,
      Image: this.image,
      Hostname: 'dockyard',
      Labels: labels,
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
    logger.info({ sessionId, image: this.image }, 'sandbox started');
  }

  async isRunning(sessionId: string): Promise<boolean> {
    const info = await this.docker
      .getContainer(names(sessionId).container)
      .inspect()
      .catch((err: unknown) => {
        if (isNotFound(err)) return undefined;
        throw err;
      });
    return info?.State.Running === true;
  }

  async stop(sessionId: string): Promise<void> {
    await this.docker
      .getContainer(names(sessionId).container)
      .stop({ t: 30 })
      .catch((err: unknown) => {
        // 304: it was stopped already.
        if ((err as { statusCode?: number }).statusCode !== 304) throw err;
      });
    logger.info({ sessionId }, 'sandbox stopped');
  }

  async start(sessionId: string): Promise<void> {
    await this.docker
      .getContainer(names(sessionId).container)
      .start()
      .catch((err: unknown) => {
        // 304: it was running already.
        if ((err as { statusCode?: number }).statusCode !== 304) throw err;
      });
    logger.info({ sessionId }, 'sandbox started again');
  }

  waitUntilReady(sessionId: string, timeoutMs: number): Promise<void> {
    return waitForSandboxReady((script, options) => this.exec(sessionId, script, options), timeoutMs);
  }

  async exec(sessionId: string, script: string, options: ExecOptions = {}): Promise<ExecResult> {
    const container = this.docker.getContainer(names(sessionId).container);
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
        names(sessionId).container,
        ...tmuxAttach(options),
      ],
      env: { ...(process.env as Record<string, string>), TERM: 'xterm-256color' },
    };
  }

  async remove(sessionId: string): Promise<void> {
    const n = names(sessionId);
    await this.docker
      .getContainer(n.container)
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
    await this.docker
      .getVolume(n.volume)
      .remove({ force: true })
      .catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
    logger.info({ sessionId }, 'sandbox removed');
  }

  async list(): Promise<SandboxInfo[]> {
    const containers = await this.docker.listContainers({ all: true, filters: this.filters });
    return containers.map((c) => ({
      sessionId: c.Labels[LABEL_SESSION] ?? '',
      running: c.State === 'running',
    }));
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
