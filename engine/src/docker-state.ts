import type { ExecResult, Sandbox } from './sandbox.ts';

/** Thrown when the sandbox's Docker daemon does not answer, so every Docker check can say so. */
export class DockerDaemonDownError extends Error {}

/** A port the container publishes on the machine (`-p host:container`). */
export interface PublishedPort {
  container: number;
  protocol: string;
  /** The machine's port, or undefined when Docker picks one. */
  host?: number;
}

/** A volume or bind mount of a container. */
export interface MountFacts {
  type: string;
  /** The volume name for a volume, the path on the machine for a bind mount. */
  source: string;
  target: string;
}

/** What the checks need to know about a container. */
export interface ContainerFacts {
  name: string;
  /** The image as the container was created with it (`Config.Image`), e.g. `hello-world`. */
  image: string;
  /** The id of the image the container runs, `sha256:…`. */
  imageId: string;
  status: string;
  running: boolean;
  exitCode: number;
  env: string[];
  ports: PublishedPort[];
  mounts: MountFacts[];
  /** The memory limit in bytes; 0 when there is none. */
  memory: number;
  networks: string[];
  labels: Record<string, string>;
}

/** What the checks need to know about an image in the list. */
export interface ImageFacts {
  id: string;
  /** `repository:tag` and `repository@digest` names of the image, possibly none. */
  references: string[];
}

/** The details of one image, from `docker image inspect`. */
export interface ImageDetails {
  id: string;
  size: number;
  layers: number;
  labels: Record<string, string>;
  env: string[];
  workdir: string;
}

/** A volume, from `docker volume inspect`. */
export interface VolumeFacts {
  name: string;
  driver: string;
  options: Record<string, string>;
  mountpoint: string;
}

/** A network, from `docker network inspect`. */
export interface NetworkFacts {
  name: string;
  driver: string;
  /** Names of the containers attached (running ones: Docker lists only those). */
  containers: string[];
}

const daemonDown =
  /Cannot connect to the Docker daemon|Is the docker daemon running|docker\.sock: connect: (no such file|connection refused)/i;

/**
 * Reads the Docker state in the sandbox through the docker CLI, run as root. With `shared`, a
 * command asked for twice runs once: the checks of one exercise, judged together, read one
 * snapshot (each read is an exec into the machine, a fifth of a second or more).
 */
export class DockerReader {
  private readonly runs = new Map<string, Promise<ExecResult>>();

  constructor(
    private readonly sandbox: Sandbox,
    private readonly timeoutMs: number,
    private readonly shared = false,
  ) {}

  async containers(): Promise<ContainerFacts[]> {
    // Ids only: `--format '{{json .}}'` has a Size field, and asking for it makes the daemon
    // measure every container's files (0.7 s of lesson 7's 0.9 s check).
    const listing = await this.docker('docker ps -aq --no-trunc');
    const ids = lines(listing.stdout).filter((id) => /^[0-9a-f]+$/.test(id));
    if (ids.length === 0) return [];
    // A container can vanish between the two calls: inspect then fails for it but prints the others.
    const inspected = await this.docker(`docker container inspect ${ids.join(' ')}`, { allowFailure: true });
    return parseJsonArray(inspected.stdout, 'docker container inspect').map(containerFacts);
  }

  async images(): Promise<ImageFacts[]> {
    const listing = await this.docker("docker images --digests --no-trunc --format '{{json .}}'");
    const byId = new Map<string, ImageFacts>();
    for (const line of parseJsonLines(listing.stdout)) {
      if (!isRecord(line)) continue;
      const id = String(line.ID ?? '');
      const repository = String(line.Repository ?? '<none>');
      const tag = String(line.Tag ?? '<none>');
      const digest = String(line.Digest ?? '<none>');
      const image = byId.get(id) ?? { id, references: [] };
      if (repository !== '<none>') {
        if (tag !== '<none>') image.references.push(`${repository}:${tag}`);
        if (digest !== '<none>') image.references.push(`${repository}@${digest}`);
      }
      byId.set(id, image);
    }
    return [...byId.values()];
  }

  /** The id of a local image, or undefined when there is none by that reference. */
  async imageId(reference: string): Promise<string | undefined> {
    const result = await this.docker(`docker image inspect --format '{{.Id}}' ${shellQuote(reference)}`, {
      allowFailure: true,
    });
    const id = result.stdout.trim();
    return result.exitCode === 0 && id ? id : undefined;
  }

  /** Size, layers and configuration of a local image, or undefined when there is none by that reference. */
  async imageDetails(reference: string): Promise<ImageDetails | undefined> {
    const result = await this.docker(`docker image inspect ${shellQuote(reference)}`, { allowFailure: true });
    if (result.exitCode !== 0) return undefined;
    const raw = parseJsonArray(result.stdout, 'docker image inspect')[0];
    if (!raw) return undefined;
    const config = record(raw.Config);
    const rootfs = record(raw.RootFS);
    return {
      id: String(raw.Id ?? ''),
      size: typeof raw.Size === 'number' ? raw.Size : 0,
      layers: Array.isArray(rootfs.Layers) ? rootfs.Layers.length : 0,
      labels: stringRecord(config.Labels),
      env: stringList(config.Env),
      workdir: String(config.WorkingDir ?? ''),
    };
  }

  async volumeNames(): Promise<string[]> {
    return lines((await this.docker("docker volume ls --format '{{.Name}}'")).stdout);
  }

  /** A volume by name, or undefined when there is none. */
  async volume(name: string): Promise<VolumeFacts | undefined> {
    const result = await this.docker(`docker volume inspect ${shellQuote(name)}`, { allowFailure: true });
    if (result.exitCode !== 0) return undefined;
    const raw = parseJsonArray(result.stdout, 'docker volume inspect')[0];
    if (!raw) return undefined;
    return {
      name: String(raw.Name ?? name),
      driver: String(raw.Driver ?? ''),
      options: stringRecord(raw.Options),
      mountpoint: String(raw.Mountpoint ?? ''),
    };
  }

  async networkNames(): Promise<string[]> {
    return lines((await this.docker("docker network ls --format '{{.Name}}'")).stdout);
  }

  /** A network by name, or undefined when there is none. */
  async network(name: string): Promise<NetworkFacts | undefined> {
    const result = await this.docker(`docker network inspect ${shellQuote(name)}`, { allowFailure: true });
    if (result.exitCode !== 0) return undefined;
    const raw = parseJsonArray(result.stdout, 'docker network inspect')[0];
    if (!raw) return undefined;
    return {
      name: String(raw.Name ?? name),
      driver: String(raw.Driver ?? ''),
      containers: Object.values(record(raw.Containers))
        .map((attached) => String(record(attached).Name ?? ''))
        .filter(Boolean),
    };
  }

  /** Runs a script as root; a daemon that is down becomes a `DockerDaemonDownError`. */
  async docker(script: string, { allowFailure = false } = {}): Promise<ExecResult> {
    let run = this.shared ? this.runs.get(script) : undefined;
    if (!run) {
      run = this.sandbox.exec(script, { user: 'root', timeoutMs: this.timeoutMs });
      if (this.shared) this.runs.set(script, run);
    }
    const result = await run;
    if (daemonDown.test(result.stderr)) throw new DockerDaemonDownError(result.stderr.trim());
    if (result.exitCode !== 0 && !allowFailure) {
      throw new Error(
        `\`${script.split(' ').slice(0, 2).join(' ')}\` failed: ${result.stderr.trim() || `exit code ${result.exitCode}`}`,
      );
    }
    return result;
  }
}

function containerFacts(raw: Record<string, unknown>): ContainerFacts {
  const config = record(raw.Config);
  const state = record(raw.State);
  const host = record(raw.HostConfig);
  const settings = record(raw.NetworkSettings);
  const ports: PublishedPort[] = [];
  for (const [key, bindings] of Object.entries(record(host.PortBindings))) {
    const [port, protocol = 'tcp'] = key.split('/');
    for (const binding of Array.isArray(bindings) ? bindings : []) {
      const hostPort = Number(record(binding).HostPort);
      ports.push({
        container: Number(port),
        protocol,
        ...(Number.isInteger(hostPort) && hostPort > 0 ? { host: hostPort } : {}),
      });
    }
  }
  const mounts = (Array.isArray(raw.Mounts) ? raw.Mounts : []).map((mount: unknown) => {
    const m = record(mount);
    const type = String(m.Type ?? '');
    return {
      type,
      source: String(type === 'volume' ? (m.Name ?? m.Source ?? '') : (m.Source ?? '')),
      target: String(m.Destination ?? ''),
    };
  });
  return {
    name: String(raw.Name ?? '').replace(/^\//, ''),
    image: String(config.Image ?? raw.Image ?? ''),
    imageId: String(raw.Image ?? ''),
    status: String(state.Status ?? 'unknown'),
    running: state.Running === true,
    exitCode: typeof state.ExitCode === 'number' ? state.ExitCode : -1,
    env: stringList(config.Env),
    ports,
    mounts,
    memory: typeof host.Memory === 'number' ? host.Memory : 0,
    networks: Object.keys(record(settings.Networks)),
    labels: stringRecord(config.Labels),
  };
}

function parseJsonLines(text: string): unknown[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as unknown);
}

function parseJsonArray(text: string, command: string): Record<string, unknown>[] {
  const parsed: unknown = text.trim() ? JSON.parse(text) : [];
  if (!Array.isArray(parsed)) throw new Error(`${command} did not print a list`);
  return parsed.filter(isRecord);
}

function lines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function record(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

function stringRecord(value: unknown): Record<string, string> {
  return Object.fromEntries(Object.entries(record(value)).map(([key, v]) => [key, String(v)]));
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}

/** Quotes a string for `sh`. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
