import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { docker } from './docker-cli.ts';

const run = promisify(execFile);

/** The runtime the test platforms use: the server's own default (Incus), unless DOCKYARD_RUNTIME says. */
export const runtime: 'incus' | 'docker' = process.env.DOCKYARD_RUNTIME === 'docker' ? 'docker' : 'incus';

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

/** Incus's managed networks with their config ([] when Incus does not answer). */
export async function incusNetworks(): Promise<{ name: string; config: Record<string, string> | null }[]> {
  try {
    return JSON.parse((await incus('query', '/1.0/networks?recursion=1')).stdout) as {
      name: string;
      config: Record<string, string> | null;
    }[];
  } catch {
    return [];
  }
}

interface IncusInstance {
  name: string;
  status: string;
  created_at: string;
  config: Record<string, string>;
  state?: { network?: Record<string, { addresses: { family: string; address: string }[] }> };
}

/**
 * Every Dockyard sandbox Incus holds, with its labels. A query that fails (Incus answering mid-change,
 * an instance being deleted) is asked again, and throws after a few tries: an empty list must mean
 * none are there, since tests assert that machines are gone.
 */
export async function incusSandboxes(): Promise<IncusInstance[]> {
  let failure = '';
  for (let attempt = 0; attempt < 10; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, 300));
    const r = await incus('query', '/1.0/instances?recursion=2');
    if (r.code !== 0) {
      failure = r.stderr.trim();
      continue;
    }
    try {
      const all = JSON.parse(r.stdout) as IncusInstance[];
      return all.filter((i) => i.config?.['user.dockyard.managed'] === 'true');
    } catch {
      failure = 'the answer was not JSON';
    }
  }
  throw new Error(`incus query /1.0/instances failed: ${failure}`);
}

const nameOf = (sessionId: string) => `dockyard-${sessionId}`;

/** The argv that runs a script in a session's sandbox as a user, from their home, on the runtime in use. */
function execArgv(sessionId: string, script: string, user: string): [string, string[]] {
  const home = user === 'root' ? '/root' : `/home/${user}`;
  const env = ['HOME=' + home, 'USER=' + user];
  if (runtime === 'docker')
    return [
      'docker',
      [
        'exec',
        '-u',
        user,
        '-w',
        home,
        ...env.flatMap((e) => ['-e', e]),
        nameOf(sessionId),
        'sh',
        '-c',
        script,
      ],
    ];
  // runuser sets the learner's groups from /etc/group at each call, as the server's runtime does.
  const asUser = user === 'root' ? [] : ['runuser', '-u', user, '--'];
  return [
    'incus',
    [
      'exec',
      nameOf(sessionId),
      '-T',
      '--cwd',
      home,
      ...env.flatMap((e) => ['--env', e]),
      '--',
      ...asUser,
      'sh',
      '-c',
      script,
    ],
  ];
}

/**
 * Runs a script inside a session's sandbox as the learner (or root), from the host. Never throws:
 * a timeout kills it and says so in stderr, with exit code -1.
 */
/**
 * What names a session's machine for these helpers (`nameOf` and those that use it): the session's
 * id for node1, `<id>-node2`… for the others of a lesson with several (their instances' and
 * containers' names end so).
 */
export const machineOf = (sessionId: string, machine = 'node1'): string =>
  machine === 'node1' ? sessionId : `${sessionId}-${machine}`;

export function inSandbox(
  sessionId: string,
  script: string,
  user = 'learner',
  timeoutMs = 5 * 60_000,
  /** The incus CLI's environment: another daemon's INCUS_DIR (a test cluster's member). */
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const [file, args] = execArgv(sessionId, script, user);
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs, killSignal: 'SIGKILL', env },
      (error, stdout, stderr) => {
        const e = error as { code?: unknown; killed?: boolean } | null;
        const code = e === null ? 0 : typeof e.code === 'number' ? e.code : -1;
        resolve({
          code,
          stdout,
          stderr: e?.killed ? `${stderr}\n(timed out after ${timeoutMs / 1000}s)` : stderr,
        });
      },
    );
  });
}

/** Removes every sandbox of one server (its DOCKYARD_INSTANCE) and, on Docker, its networks and volumes. */
export async function removeSandboxesOf(instance: string): Promise<void> {
  if (runtime === 'incus') {
    for (const sandbox of await incusSandboxes())
      if (sandbox.config['user.dockyard.instance'] === instance)
        await incus('delete', '--force', sandbox.name);
    // The networks of sessions with several machines go once their machines have.
    for (const network of await incusNetworks())
      if (network.config?.['user.dockyard.instance'] === instance)
        await incus('network', 'delete', network.name);
    return;
  }
  const filter = `label=dockyard.instance=${instance}`;
  const kinds: [string[], string[]][] = [
    [
      ['ps', '-aq'],
      ['rm', '-f', '-v'],
    ],
    [
      ['network', 'ls', '-q'],
      ['network', 'rm'],
    ],
    [
      ['volume', 'ls', '-q'],
      ['volume', 'rm', '-f'],
    ],
  ];
  for (const [list, remove] of kinds) {
    const ids = (await docker(...list, '--filter', filter)).stdout.split('\n').filter(Boolean);
    if (ids.length > 0) await docker(...remove, ...ids);
  }
}

/** What the host still holds of a session: its sandbox, and on Docker its volume and network. */
export async function leftovers(sessionId: string): Promise<string[]> {
  if (runtime === 'incus')
    return [
      ...(await incusSandboxes())
        .filter((i) => i.config['user.dockyard.session'] === sessionId)
        .map((i) => i.name),
      // A session with several machines has a network of its own.
      ...(await incusNetworks())
        .filter((n) => n.config?.['user.dockyard.session'] === sessionId)
        .map((n) => `network ${n.name}`),
    ];
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
