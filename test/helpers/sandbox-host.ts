import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { docker } from './docker-cli.ts';

const run = promisify(execFile);

/** The runtime the test platforms use: the server's own default, unless DOCKYARD_RUNTIME says. */
export const runtime: 'incus' | 'docker' = process.env.DOCKYARD_RUNTIME === 'incus' ? 'incus' : 'docker';

/** Runs the host's incus CLI; never throws, returns the exit code and output. */
export async function incus(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('incus', args, { maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

interface IncusInstance {
  name: string;
  status: string;
  created_at: string;
  config: Record<string, string>;
  state?: { network?: Record<string, { addresses: { family: string; address: string }[] }> };
}

/** Every Dockyard sandbox Incus holds, with its labels. */
export async function incusSandboxes(): Promise<IncusInstance[]> {
  const r = await incus('query', '/1.0/instances?recursion=2');
  if (r.code !== 0) return [];
  let all: IncusInstance[];
  try {
    all = JSON.parse(r.stdout) as IncusInstance[];
  } catch {
    return []; // Incus answered mid-change (an instance being deleted); the next look sees it
  }
  return all.filter((i) => i.config['user.dockyard.managed'] === 'true');
}

const nameOf = (sessionId: string) => `dockyard-${sessionId}`;

/** Runs a script inside a session's sandbox as the learner (or root), from the host. */
export async function inSandbox(sessionId: string, script: string, user = 'learner') {
  if (runtime === 'docker') return docker('exec', '-u', user, nameOf(sessionId), 'sh', '-c', script);
  const asUser = user === 'root' ? [] : ['runuser', '-u', user, '--'];
  const home = user === 'root' ? '/root' : `/home/${user}`;
  return incus(
    'exec',
    nameOf(sessionId),
    '--cwd',
    home,
    '--env',
    `HOME=${home}`,
    '--',
    ...asUser,
    'sh',
    '-c',
    script,
  );
}

/** What the host still holds of a session: its sandbox, and on Docker its volume and network. */
export async function leftovers(sessionId: string): Promise<string[]> {
  if (runtime === 'incus')
    return (await incusSandboxes())
      .filter((i) => i.config['user.dockyard.session'] === sessionId)
      .map((i) => i.name);
  const filter = `label=dockyard.session=${sessionId}`;
  const out = await Promise.all([
    docker('ps', '-aq', '--filter', filter),
    docker('volume', 'ls', '-q', '--filter', filter),
    docker('network', 'ls', '-q', '--filter', filter),
  ]);
  return out.flatMap((r) => r.stdout.split('\n').filter(Boolean));
}

/** Names of the sandboxes of one server (its DOCKYARD_INSTANCE), sorted. */
export async function sandboxesOf(instance: string): Promise<string[]> {
  if (runtime === 'incus')
    return (await incusSandboxes())
      .filter((i) => i.config['user.dockyard.instance'] === instance)
      .map((i) => i.name)
      .sort();
  const r = await docker(
    'ps',
    '-a',
    '--format',
    '{{.Names}}',
    '--filter',
    `label=dockyard.instance=${instance}`,
  );
  return r.stdout.split('\n').filter(Boolean).sort();
}

export async function isRunning(sessionId: string): Promise<boolean> {
  if (runtime === 'incus') {
    const r = await incus('query', `/1.0/instances/${nameOf(sessionId)}`);
    return r.code === 0 && (JSON.parse(r.stdout) as IncusInstance).status === 'Running';
  }
  return (await docker('inspect', '-f', '{{.State.Running}}', nameOf(sessionId))).stdout.trim() === 'true';
}

/** Stops a sandbox from the host, as a crash or an operator would. */
export async function stopSandbox(sessionId: string): Promise<number> {
  if (runtime === 'incus') return (await incus('stop', '--force', nameOf(sessionId))).code;
  return (await docker('stop', '-t', '1', nameOf(sessionId))).code;
}

/** The sandbox's address on its lab network, and the gateway (the host) it reaches the lab through. */
export async function addressesOf(sessionId: string): Promise<{ ip: string; gateway: string }> {
  if (runtime === 'incus') {
    const r = await inSandbox(sessionId, "ip -4 -o addr show eth0 | awk '{print $4}' | cut -d/ -f1", 'root');
    const hosts = await inSandbox(
      sessionId,
      'awk \'$2 == "hub.dockyard.internal" {print $1}\' /etc/hosts',
      'root',
    );
    return { ip: r.stdout.trim(), gateway: hosts.stdout.trim() };
  }
  const format = (field: string) => `{{range .NetworkSettings.Networks}}{{.${field}}}{{end}}`;
  const ip = (await docker('inspect', nameOf(sessionId), '--format', format('IPAddress'))).stdout.trim();
  const gateway = (await docker('inspect', nameOf(sessionId), '--format', format('Gateway'))).stdout.trim();
  return { ip, gateway };
}

/** The memory (bytes), CPU (cores) and process limits the host holds the sandbox to. */
export async function limitsOf(sessionId: string): Promise<{ memory: number; cpus: number; pids: number }> {
  if (runtime === 'incus') {
    const r = await incus('query', `/1.0/instances/${nameOf(sessionId)}`);
    const config = (JSON.parse(r.stdout) as IncusInstance).config;
    const allowance = /^(\d+)ms\/100ms$/.exec(config['limits.cpu.allowance'] ?? '');
    return {
      memory: Number(/^(\d+)MiB$/.exec(config['limits.memory'] ?? '')?.[1]) * 1024 ** 2,
      cpus: allowance ? Number(allowance[1]) / 100 : NaN,
      pids: Number(config['limits.processes']),
    };
  }
  const r = await docker(
    'inspect',
    nameOf(sessionId),
    '--format',
    '{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}}',
  );
  const [memory, nanoCpus, pids] = r.stdout.trim().split(' ').map(Number);
  return { memory: memory!, cpus: nanoCpus! / 1e9, pids: pids! };
}
