import { familiarImageReference, sameImageReference } from './image-reference.ts';
import type { Check, CommandCheck, ContainerCheck, Exercise, ImageCheck } from './lesson-schema.ts';
import type { ExecResult, Sandbox } from './sandbox.ts';

/** The verdict on one check. `hint` comes with failures only. */
export interface CheckReport {
  id: string;
  passed: boolean;
  message: string;
  hint?: string;
}

/** The verdict on one exercise: it passes when every check passes. */
export interface ExerciseReport {
  passed: boolean;
  checks: CheckReport[];
}

/** Tuning for `runExercise`. */
export interface RunOptions {
  /** How long one check may take before it counts as failed. Default 20 s. */
  checkTimeoutMs?: number;
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
  for (const check of exercise.checks) checks.push(await runCheck(check, sandbox, timeoutMs));
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
  switch (check.kind) {
    case 'command':
      return judgeCommand(check, sandbox, timeoutMs);
    case 'container':
      return judgeContainer(check, new DockerReader(sandbox, timeoutMs));
    case 'image':
      return judgeImage(check, new DockerReader(sandbox, timeoutMs));
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
  if (inState.length > 0) return { passed: true };
  return {
    passed: false,
    found: `Found ${count(candidates.length, 'container')} ${wanted}, but none ${describeWantedState(check)}: ${listContainers(candidates)}.`,
  };
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
  if (present) return { passed: true };
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

class DockerDaemonDownError extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CheckTimeoutError(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** What the checks need to know about a container. */
interface ContainerFacts {
  name: string;
  /** The image as the container was created with it (`Config.Image`), e.g. `hello-world`. */
  image: string;
  /** The id of the image the container runs, `sha256:…`. */
  imageId: string;
  status: string;
  running: boolean;
  exitCode: number;
}

/** What the checks need to know about an image. */
interface ImageFacts {
  id: string;
  /** `repository:tag` and `repository@digest` names of the image, possibly none. */
  references: string[];
}

const daemonDown =
  /Cannot connect to the Docker daemon|Is the docker daemon running|docker\.sock: connect: (no such file|connection refused)/i;

/** Reads the Docker state in the sandbox through the docker CLI, run as root. */
class DockerReader {
  constructor(
    private readonly sandbox: Sandbox,
    private readonly timeoutMs: number,
  ) {}

  async containers(): Promise<ContainerFacts[]> {
    const listing = await this.docker("docker ps -a --no-trunc --format '{{json .}}'");
    const ids = parseJsonLines(listing.stdout)
      .map((line) => (isRecord(line) && typeof line.ID === 'string' ? line.ID : undefined))
      .filter((id): id is string => id !== undefined && /^[0-9a-f]+$/.test(id));
    if (ids.length === 0) return [];
    // A container can vanish between the two calls: inspect then fails for it but prints the others.
    const inspected = await this.docker(`docker container inspect ${ids.join(' ')}`, { allowFailure: true });
    const parsed: unknown = inspected.stdout.trim() ? JSON.parse(inspected.stdout) : [];
    if (!Array.isArray(parsed)) throw new Error('docker container inspect did not print a list');
    return parsed.filter(isRecord).map((raw) => {
      const config = isRecord(raw.Config) ? raw.Config : {};
      const state = isRecord(raw.State) ? raw.State : {};
      return {
        name: String(raw.Name ?? '').replace(/^\//, ''),
        image: String(config.Image ?? raw.Image ?? ''),
        imageId: String(raw.Image ?? ''),
        status: String(state.Status ?? 'unknown'),
        running: state.Running === true,
        exitCode: typeof state.ExitCode === 'number' ? state.ExitCode : -1,
      };
    });
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

  private async docker(script: string, { allowFailure = false } = {}): Promise<ExecResult> {
    const result = await this.sandbox.exec(script, { user: 'root', timeoutMs: this.timeoutMs });
    if (daemonDown.test(result.stderr)) throw new DockerDaemonDownError(result.stderr.trim());
    if (result.exitCode !== 0 && !allowFailure) {
      throw new Error(
        `\`${script.split(' ').slice(0, 2).join(' ')}\` failed: ${result.stderr.trim() || `exit code ${result.exitCode}`}`,
      );
    }
    return result;
  }
}

function parseJsonLines(text: string): unknown[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as unknown);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
