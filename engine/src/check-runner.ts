import { formatBytes } from './bytes.ts';
import { DockerDaemonDownError, DockerReader, shellQuote } from './docker-state.ts';
import type { ContainerFacts, ImageDetails } from './docker-state.ts';
import { familiarImageReference, sameImageReference } from './image-reference.ts';
import type {
  Check,
  CommandCheck,
  ComposeCheck,
  ContainerCheck,
  Exercise,
  FileCheck,
  GroupCheck,
  HttpCheck,
  HubCheck,
  ImageCheck,
  NetworkCheck,
  ServiceCheck,
  VolumeCheck,
} from './lesson-schema.ts';
import type { CheckReport, ExerciseReport } from './contract.ts';
import type { Sandbox } from './sandbox.ts';
import { withVars } from './substitution.ts';

export type { CheckReport, ExerciseReport } from './contract.ts';

/** Tuning for `runExercise`. */
export interface RunOptions {
  /** How long one check may take before it counts as failed. Default 20 s. */
  checkTimeoutMs?: number;
  /** Values for `{{name}}` placeholders in check fields, e.g. `{ 'hub.username': 'ada' }`. */
  vars?: Record<string, string>;
}

const defaultCheckTimeoutMs = 20_000;
const maxListed = 5;
const maxOutputChars = 200;

/** Runs every check of an exercise against the learner's sandbox, one by one; never throws. */
export async function runExercise(
  exercise: Exercise,
  sandbox: Sandbox,
  options: RunOptions = {},
): Promise<ExerciseReport> {
  const timeoutMs = options.checkTimeoutMs ?? defaultCheckTimeoutMs;
  const checks: CheckReport[] = [];
  const vars = options.vars ?? {};
  for (const check of exercise.checks) checks.push(await runCheck(withVars(check, vars), sandbox, timeoutMs));
  return { passed: checks.every((check) => check.passed), checks };
}

/** Runs one check; a check that throws or times out becomes a failed report. */
export async function runCheck(
  check: Check,
  sandbox: Sandbox,
  timeoutMs = defaultCheckTimeoutMs,
): Promise<CheckReport> {
  let outcome: Outcome;
  try {
    outcome = await withTimeout(judge(check, sandbox, timeoutMs), timeoutMs);
  } catch (error) {
    if (error instanceof DockerDaemonDownError) {
      return {
        id: check.id,
        passed: false,
        message: `${check.message} The Docker daemon in your machine is not running, so Docker could not be asked.`,
        hint: 'Start it with `sudo systemctl start docker` (check with `sudo systemctl status docker`), then check again.',
      };
    }
    const found =
      error instanceof CheckTimeoutError
        ? `The check did not finish within ${formatSeconds(timeoutMs)}.`
        : `The check could not run: ${describeError(error)}.`;
    outcome = { passed: false, found };
  }
  if (outcome.passed) return { id: check.id, passed: true, message: check.title };
  return { id: check.id, passed: false, message: `${check.message} ${outcome.found}`, hint: check.hint };
}

type Outcome = { passed: true } | { passed: false; found: string };

function judge(check: Check, sandbox: Sandbox, timeoutMs: number): Promise<Outcome> {
  const docker = new DockerReader(sandbox, timeoutMs);
  switch (check.kind) {
    case 'command':
      return judgeCommand(check, sandbox, timeoutMs);
    case 'container':
      return judgeContainer(check, docker);
    case 'image':
      return judgeImage(check, docker);
    case 'volume':
      return judgeVolume(check, docker);
    case 'network':
      return judgeNetwork(check, docker);
    case 'http':
      return judgeHttp(check, sandbox, timeoutMs);
    case 'hub':
      return judgeHub(check, sandbox, timeoutMs);
    case 'compose':
      return judgeCompose(check, docker);
    case 'file':
      return judgeFile(check, sandbox, timeoutMs);
    case 'group':
      return judgeGroup(check, sandbox, timeoutMs);
    case 'service':
      return judgeService(check, sandbox, timeoutMs);
  }
}

async function judgeCommand(check: CommandCheck, sandbox: Sandbox, timeoutMs: number): Promise<Outcome> {
  const result = await sandbox.exec(check.run, { user: check.user, timeoutMs });
  const { exitCode, stdout } = check.expect;
  if (result.exitCode !== exitCode) {
    const stderr = result.stderr.trim();
    const said = stderr ? ` It said: ${quoteOutput(stderr)}.` : '';
    return {
      passed: false,
      found: `The command exited with ${result.exitCode}; expected ${exitCode}.${said}`,
    };
  }
  if (stdout !== undefined && !new RegExp(stdout, 'm').test(result.stdout)) {
    const shown = result.stdout.trim() ? `it was: ${quoteOutput(result.stdout)}` : 'it was empty';
    return { passed: false, found: `stdout did not match /${stdout}/: ${shown}.` };
  }
  return { passed: true };
}

async function judgeContainer(check: ContainerCheck, docker: DockerReader): Promise<Outcome> {
  const containers = await docker.containers();
  if (containers.length === 0)
    return { passed: false, found: 'Found no containers at all (`docker ps -a` is empty).' };

  let imageId: string | undefined;
  if (check.image !== undefined && !containers.some((c) => sameImageReference(c.image, check.image ?? ''))) {
    // The container may have been started by image id or under another tag of the same image.
    imageId = await docker.imageId(check.image);
  }
  const fromImage = (c: ContainerFacts): boolean =>
    check.image === undefined ||
    sameImageReference(c.image, check.image) ||
    (imageId !== undefined && c.imageId === imageId);
  const candidates = containers.filter(
    (c) => fromImage(c) && (check.name === undefined || c.name === check.name),
  );

  const wanted = describeWantedContainer(check);
  if (candidates.length === 0) {
    return {
      passed: false,
      found: `Found ${count(containers.length, 'container')}, none ${wanted}: ${listContainers(containers)}.`,
    };
  }
  const inState = candidates.filter((c) => containerInState(c, check));
  if (inState.length === 0) {
    return {
      passed: false,
      found: `Found ${count(candidates.length, 'container')} ${wanted}, but none ${describeWantedState(check)}: ${listContainers(candidates)}.`,
    };
  }
  const mismatches = inState.map((c) => ({ container: c, differences: containerDifferences(c, check) }));
  if (mismatches.some((m) => m.differences.length === 0)) return { passed: true };
  const described = mismatches
    .slice(0, maxListed)
    .map((m) => `${m.container.name} ${m.differences.join(', ')}`)
    .join('; ');
  return {
    passed: false,
    found: `Found ${count(inState.length, 'container')} ${wanted}, but ${inState.length === 1 ? 'it does' : 'none does'} not match: ${described}.`,
  };
}

/** How a container differs from the details a check asks for, in the learner's words; empty when it matches. */
function containerDifferences(c: ContainerFacts, check: ContainerCheck): string[] {
  const differences: string[] = [];
  for (const port of check.ports ?? []) {
    const published = c.ports.some(
      (p) =>
        p.container === port.container &&
        p.protocol === port.protocol &&
        (port.host === undefined || p.host === port.host),
    );
    if (!published) {
      const shown = c.ports.map(formatPort).join(', ');
      differences.push(
        `publishes ${shown || 'no ports'} (expected ${formatPort({ ...port, host: port.host })})`,
      );
    }
  }
  for (const wantedEnv of check.env ?? []) {
    const difference = envDifference(c.env, wantedEnv);
    if (difference) differences.push(difference);
  }
  for (const mount of check.mounts ?? []) {
    const mounted = c.mounts.some(
      (m) => m.target === mount.target && (mount.source === undefined || m.source === mount.source),
    );
    if (!mounted) {
      const shown = c.mounts.map((m) => `${m.source} at ${m.target}`).join(', ');
      differences.push(
        `mounts ${shown || 'nothing'} (expected ${mount.source ?? 'something'} at ${mount.target})`,
      );
    }
  }
  if (check.memory) {
    const { max, equals } = check.memory;
    const has = c.memory > 0 ? `has a memory limit of ${formatBytes(c.memory)}` : 'has no memory limit';
    if (equals !== undefined && c.memory !== equals)
      differences.push(`${has} (expected exactly ${formatBytes(equals)})`);
    else if (max !== undefined && (c.memory === 0 || c.memory > max))
      differences.push(`${has} (expected at most ${formatBytes(max)})`);
  }
  const missingNetworks = (check.networks ?? []).filter((n) => !c.networks.includes(n));
  if (missingNetworks.length > 0)
    differences.push(
      `is attached to ${c.networks.join(', ') || 'no network'} (expected ${missingNetworks.join(', ')})`,
    );
  return differences;
}

function formatPort(port: { container: number; protocol: string; host?: number }): string {
  const suffix = port.protocol === 'tcp' ? '' : `/${port.protocol}`;
  return `${port.host ?? 'any port'}→${port.container}${suffix}`;
}

/** How a list of `KEY=VALUE` misses one wanted `KEY=VALUE` or `KEY`, or undefined when it does not. */
function envDifference(env: string[], wanted: string): string | undefined {
  const [key = '', ...rest] = wanted.split('=');
  const value = rest.length > 0 ? rest.join('=') : undefined;
  const found = env.find((entry) => entry.split('=')[0] === key);
  if (found === undefined) return `has no ${key} variable (expected ${wanted})`;
  if (value !== undefined && found !== wanted) return `has ${found} (expected ${wanted})`;
  return undefined;
}

async function judgeImage(check: ImageCheck, docker: DockerReader): Promise<Outcome> {
  const images = await docker.images();
  const wantedId = /^(sha256:)?[0-9a-f]{12,64}$/.test(check.ref)
    ? check.ref.replace(/^sha256:/, '')
    : undefined;
  const present = images.some(
    (image) =>
      image.references.some((ref) => sameImageReference(ref, check.ref)) ||
      (wantedId !== undefined && image.id.replace(/^sha256:/, '').startsWith(wantedId)),
  );
  if (present) return judgeImageDetails(check, docker);
  if (images.length === 0)
    return { passed: false, found: 'Found no images at all (`docker images` is empty).' };
  const names = images.map(
    (image) => image.references[0] ?? `<none> (${image.id.replace(/^sha256:/, '').slice(0, 12)})`,
  );
  return {
    passed: false,
    found: `Found ${count(images.length, 'image')}, none is ${familiarImageReference(check.ref)}: ${listNames(names)}.`,
  };
}

async function judgeImageDetails(check: ImageCheck, docker: DockerReader): Promise<Outcome> {
  const wantsDetails =
    check.maxSize !== undefined ||
    check.maxLayers !== undefined ||
    check.labels !== undefined ||
    check.env !== undefined ||
    check.workdir !== undefined;
  if (!wantsDetails) return { passed: true };
  const details = await docker.imageDetails(check.ref);
  if (!details)
    return { passed: false, found: `Docker could not inspect ${familiarImageReference(check.ref)}.` };
  const differences = imageDifferences(details, check);
  if (differences.length === 0) return { passed: true };
  return {
    passed: false,
    found: `Found ${familiarImageReference(check.ref)}, but it ${differences.join(', ')}.`,
  };
}

function imageDifferences(image: ImageDetails, check: ImageCheck): string[] {
  const differences: string[] = [];
  if (check.maxSize !== undefined && image.size > check.maxSize)
    differences.push(`is ${formatBytes(image.size)} (expected at most ${formatBytes(check.maxSize)})`);
  if (check.maxLayers !== undefined && image.layers > check.maxLayers)
    differences.push(`has ${count(image.layers, 'layer')} (expected at most ${check.maxLayers})`);
  for (const [key, value] of Object.entries(check.labels ?? {})) {
    const found = image.labels[key];
    if (found === undefined) differences.push(`has no label ${key} (expected ${key}=${value})`);
    else if (found !== value) differences.push(`has label ${key}=${found} (expected ${key}=${value})`);
  }
  for (const wanted of check.env ?? []) {
    const difference = envDifference(image.env, wanted);
    if (difference) differences.push(difference);
  }
  if (check.workdir !== undefined && image.workdir !== check.workdir)
    differences.push(`has working directory ${image.workdir || '/ (none set)'} (expected ${check.workdir})`);
  return differences;
}

async function judgeVolume(check: VolumeCheck, docker: DockerReader): Promise<Outcome> {
  const volume = await docker.volume(check.name);
  if (!volume) {
    const names = await docker.volumeNames();
    return {
      passed: false,
      found:
        names.length === 0
          ? `Found no volumes at all (\`docker volume ls\` is empty); expected one named ${check.name}.`
          : `Found ${count(names.length, 'volume')}, none named ${check.name}: ${listNames(names)}.`,
    };
  }
  const differences: string[] = [];
  if (check.driver !== undefined && volume.driver !== check.driver)
    differences.push(`uses the ${volume.driver} driver (expected ${check.driver})`);
  const wrongOptions = Object.entries(check.options ?? {}).filter(
    ([key, value]) => volume.options[key] !== value,
  );
  if (wrongOptions.length > 0) {
    const shown = Object.entries(volume.options)
      .map(([key, value]) => `${key}=${value}`)
      .join(', ');
    const wanted = wrongOptions.map(([key, value]) => `${key}=${value}`).join(', ');
    differences.push(`was created with ${shown ? `options ${shown}` : 'no options'} (expected ${wanted})`);
  }
  if (differences.length > 0)
    return { passed: false, found: `Found volume ${check.name}, but it ${differences.join(', ')}.` };
  if (check.file === undefined) return { passed: true };

  // A bind-backed volume keeps its files in its device folder; the mountpoint is only filled while in use.
  const bound = /(^|,)bind(,|$)/.test(volume.options.o ?? '') && volume.options.device;
  const root = bound ? volume.options.device : volume.mountpoint;
  const file = `${root}/${check.file.replace(/^\/+/, '')}`;
  const read = await docker.docker(
    `if [ -f ${shellQuote(file)} ]; then cat -- ${shellQuote(file)}; else exit 3; fi`,
    {
      allowFailure: true,
    },
  );
  if (read.exitCode !== 0)
    return { passed: false, found: `Volume ${check.name} holds no file ${check.file}.` };
  if (check.content !== undefined && !new RegExp(check.content, 'm').test(read.stdout))
    return {
      passed: false,
      found: `${check.file} in volume ${check.name} does not match /${check.content}/: ${describeText(read.stdout)}.`,
    };
  return { passed: true };
}

async function judgeNetwork(check: NetworkCheck, docker: DockerReader): Promise<Outcome> {
  const network = await docker.network(check.name);
  if (!network) {
    const names = await docker.networkNames();
    return {
      passed: false,
      found: `Found ${count(names.length, 'network')}, none named ${check.name}: ${listNames(names)}.`,
    };
  }
  const differences: string[] = [];
  if (check.driver !== undefined && network.driver !== check.driver)
    differences.push(`uses the ${network.driver} driver (expected ${check.driver})`);
  const missing = (check.containers ?? []).filter((name) => !network.containers.includes(name));
  if (missing.length > 0) {
    const attached = network.containers.length > 0 ? network.containers.join(', ') : 'no running containers';
    differences.push(`has ${attached} attached (expected ${missing.join(', ')}, running)`);
  }
  if (differences.length === 0) return { passed: true };
  return { passed: false, found: `Found network ${check.name}, but it ${differences.join(', ')}.` };
}

async function judgeHttp(check: HttpCheck, sandbox: Sandbox, timeoutMs: number): Promise<Outcome> {
  const url = `http://localhost:${check.port}${check.path}`;
  const seconds = Math.max(1, Math.floor(timeoutMs / 2000));
  const result = await sandbox.exec(
    `curl -sS --max-time ${seconds} -w '\\n%{http_code}' ${shellQuote(url)}`,
    {
      user: 'root',
      timeoutMs,
    },
  );
  if (result.exitCode !== 0) {
    const refused = result.exitCode === 7;
    return {
      passed: false,
      found: refused
        ? `Nothing answers on port ${check.port} of your machine (connection refused); expected a web server there.`
        : `Fetching ${url} failed: ${quoteOutput(result.stderr || `curl exit code ${result.exitCode}`)}.`,
    };
  }
  const cut = result.stdout.lastIndexOf('\n');
  const body = result.stdout.slice(0, cut);
  const status = Number(result.stdout.slice(cut + 1).trim());
  if (status !== check.expect.status)
    return {
      passed: false,
      found: `${url} answered with status ${status} (expected ${check.expect.status}): ${describeText(body)}.`,
    };
  if (check.expect.body !== undefined && !new RegExp(check.expect.body, 'm').test(body))
    return {
      passed: false,
      found: `${url} answered, but its page does not match /${check.expect.body}/: ${describeText(body)}.`,
    };
  return { passed: true };
}

const networkTrouble =
  /dial tcp|no such host|i\/o timeout|connection refused|server misbehaving|TLS handshake/i;

async function judgeHub(check: HubCheck, sandbox: Sandbox, timeoutMs: number): Promise<Outcome> {
  const reference = `${check.repository}:${check.tag}`;
  // As the learner, so the hub sees their own login; manifest inspect reads the registry without pulling.
  const asked = await sandbox.exec(`docker manifest inspect --insecure ${shellQuote(reference)}`, {
    user: 'learner',
    timeoutMs,
  });
  let result = asked;
  if (asked.exitCode !== 0 && networkTrouble.test(asked.stderr)) {
    // The daemon reaches the hub through its mirror setting even when the client alone cannot.
    result = await sandbox.exec(`docker pull -q ${shellQuote(reference)}`, { user: 'learner', timeoutMs });
  }
  if (result.exitCode === 0) return { passed: true };
  const said = result.stderr.trim();
  if (/manifest unknown|no such manifest|not found|does not exist/i.test(said))
    return { passed: false, found: `The hub has no ${reference} yet.` };
  if (/unauthorized|denied|authentication required/i.test(said))
    return {
      passed: false,
      found: `The hub refused to show ${reference}: you are not logged in as its owner (it said ${quoteOutput(said)}).`,
    };
  if (/permission denied.*docker\.sock/i.test(said))
    return { passed: false, found: 'Your user may not use Docker yet (permission denied on docker.sock).' };
  return {
    passed: false,
    found: `Asking the hub for ${reference} failed: ${quoteOutput(said || 'no output')}.`,
  };
}

async function judgeCompose(check: ComposeCheck, docker: DockerReader): Promise<Outcome> {
  const containers = (await docker.containers()).filter(
    (c) => c.labels['com.docker.compose.project'] === check.project,
  );
  if (containers.length === 0)
    return {
      passed: false,
      found: `Found no containers of a Compose project named ${check.project} (expected services ${check.running.join(', ')} running).`,
    };
  const notRunning = check.running.filter(
    (service) => !containers.some((c) => c.labels['com.docker.compose.service'] === service && c.running),
  );
  if (notRunning.length === 0) return { passed: true };
  const states = containers.map(
    (c) => `${c.labels['com.docker.compose.service'] ?? c.name} (${describeContainerState(c)})`,
  );
  return {
    passed: false,
    found: `In project ${check.project}, ${notRunning.join(', ')} ${notRunning.length === 1 ? 'is' : 'are'} not running; found ${listNames(states)}.`,
  };
}

async function judgeFile(check: FileCheck, sandbox: Sandbox, timeoutMs: number): Promise<Outcome> {
  const file = check.path.replace(/^~\//, '/home/learner/');
  const read = await sandbox.exec(
    `if [ -f ${shellQuote(file)} ]; then cat -- ${shellQuote(file)}; else exit 3; fi`,
    { user: 'root', timeoutMs },
  );
  if (read.exitCode === 3) return { passed: false, found: `There is no file ${check.path}.` };
  if (read.exitCode !== 0)
    return {
      passed: false,
      found: `${check.path} could not be read: ${quoteOutput(read.stderr || 'no output')}.`,
    };
  if (check.content !== undefined && !new RegExp(check.content, 'm').test(read.stdout))
    return {
      passed: false,
      found: `${check.path} does not match /${check.content}/: ${describeText(read.stdout)}.`,
    };
  return { passed: true };
}

async function judgeGroup(check: GroupCheck, sandbox: Sandbox, timeoutMs: number): Promise<Outcome> {
  const result = await sandbox.exec(`id -nG ${shellQuote(check.user)}`, { user: 'root', timeoutMs });
  if (result.exitCode !== 0) return { passed: false, found: `There is no user ${check.user}.` };
  const groups = result.stdout.trim().split(/\s+/).filter(Boolean);
  if (groups.includes(check.group)) return { passed: true };
  return {
    passed: false,
    found: `${check.user} is in ${groups.join(', ') || 'no groups'}, not in ${check.group}.`,
  };
}

async function judgeService(check: ServiceCheck, sandbox: Sandbox, timeoutMs: number): Promise<Outcome> {
  const result = await sandbox.exec(`systemctl is-active ${shellQuote(check.unit)}`, {
    user: 'root',
    timeoutMs,
  });
  const state = result.stdout.trim().split('\n')[0] || 'unknown';
  if (state === check.state) return { passed: true };
  return {
    passed: false,
    found: `systemd says ${check.unit} is ${state} (expected ${check.state}).`,
  };
}

function containerInState(container: ContainerFacts, check: ContainerCheck): boolean {
  if (check.exitCode !== undefined)
    return container.status === 'exited' && container.exitCode === check.exitCode;
  if (check.state === 'running') return container.running;
  if (check.state === 'exited') return container.status === 'exited';
  return true;
}

function describeWantedContainer(check: ContainerCheck): string {
  const parts: string[] = [];
  if (check.name !== undefined) parts.push(`named ${check.name}`);
  if (check.image !== undefined) parts.push(`from ${check.image}`);
  return parts.length > 0 ? parts.join(' ') : 'matching';
}

function describeWantedState(check: ContainerCheck): string {
  if (check.exitCode !== undefined) return `exited with code ${check.exitCode}`;
  return check.state === 'running' ? 'is running' : 'has exited';
}

function listContainers(containers: ContainerFacts[]): string {
  return listNames(
    containers.map((c) => `${c.name} (${familiarImageName(c.image)}, ${describeContainerState(c)})`),
  );
}

function describeContainerState(container: ContainerFacts): string {
  switch (container.status) {
    case 'exited':
      return `exited ${container.exitCode}`;
    case 'created':
      return 'created, never started';
    default:
      return container.status;
  }
}

function familiarImageName(image: string): string {
  // An image id stays as Docker shows it, shortened; a name loses only what Docker would add.
  if (/^sha256:[0-9a-f]{64}$/.test(image)) return image.slice(7, 19);
  return image;
}

function listNames(names: string[]): string {
  const shown = names.slice(0, maxListed).join(', ');
  return names.length > maxListed ? `${shown} and ${names.length - maxListed} more` : shown;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function quoteOutput(text: string): string {
  const flat = text.trim().replace(/\s*\n\s*/g, ' ⏎ ');
  const truncated = flat.length > maxOutputChars;
  return `\`${truncated ? `${flat.slice(0, maxOutputChars)}…` : flat}\`${truncated ? ' (truncated)' : ''}`;
}

function formatSeconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

function describeError(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.trim().replace(/\.$/, '') || 'unknown error';
}

class CheckTimeoutError extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CheckTimeoutError(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function describeText(text: string): string {
  return text.trim() ? `it was ${quoteOutput(text)}` : 'it was empty';
}
