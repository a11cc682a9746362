// The content proof: every exercise, in a fresh sandbox of a real Dockyard server, fails all its
// checks before the solve script and passes them all after it. Used by `lessons/cli.ts test` and
// by test/course.test.ts.
import { randomBytes } from 'node:crypto';
import { Platform } from '../test/helpers/platform.ts';
import { inSandbox, machineOf, removeSandboxesOf } from '../test/helpers/sandbox-host.ts';
import { exerciseWithVars, onMachine, runExercise, substituteVars } from '../engine/src/index.ts';
import type {
  Exercise,
  ExerciseReport,
  ExecOptions,
  ExecResult,
  Lesson,
  Sandbox,
} from '../engine/src/index.ts';

/** The outcome of proving one exercise. */
export interface ExerciseProof {
  lesson: string;
  exercise: string;
  /** proved: fails fresh, passes solved. defect: it does not. skipped: a lab service it needs is missing. */
  status: 'proved' | 'defect' | 'skipped';
  /** What is wrong, one sentence each (defects), or why it was skipped. */
  problems: string[];
  /** Milliseconds per step: sandbox, setup, fresh, solve, solved. */
  timings: Record<string, number>;
}

/** Library images a lesson may use; an exercise that names one the hub lacks is skipped, saying so. */
const libraryImages = ['debian', 'python', 'golang', 'mariadb', 'nginx', 'redis', 'busybox', 'hello-world'];

/** The hub username for exercises that do not touch the hub, when the server has no hub accounts. */
const fallbackVars = { 'hub.username': 'prover' };

const solveTimeoutMs = 10 * 60_000;
const setupTimeoutMs = 3 * 60_000;

/** Starts a real server and proves exercises in fresh sandboxes of it. */
export class CourseProver {
  // Its own instance label, not `test-…`: other test runs sweep `test-…` sandboxes away at start.
  private readonly instance = `proof-${randomBytes(4).toString('hex')}`;
  // One warm machine boots while an exercise runs, so the next exercise does not wait for a cold boot.
  private readonly platform = new Platform({
    DOCKYARD_LOG_LEVEL: 'warn',
    DOCKYARD_INSTANCE: this.instance,
    DOCKYARD_POOL_SIZE: '1',
  });
  private hubLibrary: Set<string> | undefined;

  async start(): Promise<void> {
    await this.platform.start();
    this.hubLibrary = await this.readHubLibrary();
  }

  /** Stops the server and removes every sandbox (and on Docker its network and volume) it made. */
  async stop(): Promise<void> {
    await this.platform.stop();
    await removeSandboxesOf(this.instance);
  }

  /** Proves one exercise: lesson setup, exercise setup, checks fail, solve, checks pass. Never throws. */
  async prove(lesson: Lesson, exercise: Exercise): Promise<ExerciseProof> {
    try {
      return await this.proveOrThrow(lesson, exercise);
    } catch (error) {
      const serverLog = this.platform.log.slice(-5).join(' ⏎ ');
      return {
        lesson: lesson.slug,
        exercise: exercise.id,
        status: 'defect',
        problems: [
          `the proof could not run: ${(error as Error).message}; server log: ${serverLog || 'empty'}`,
        ],
        timings: {},
      };
    }
  }

  private async proveOrThrow(lesson: Lesson, exercise: Exercise): Promise<ExerciseProof> {
    const proof: ExerciseProof = {
      lesson: lesson.slug,
      exercise: exercise.id,
      status: 'proved',
      problems: [],
      timings: {},
    };
    const missing = this.missingImages(lesson, exercise);
    if (missing.length > 0) {
      return {
        ...proof,
        status: 'skipped',
        problems: [`the lab hub has no ${missing.join(', ')} image yet (dependency missing, not a defect)`],
      };
    }
    const time = async <T>(step: string, work: () => Promise<T>): Promise<T> => {
      const started = Date.now();
      try {
        return await work();
      } finally {
        proof.timings[step] = Date.now() - started;
      }
    };

    const logFrom = this.platform.log.length;
    // A lesson with several machines gets them for its session (the server reads its frontmatter).
    const session = await time('sandbox', () =>
      this.platform.session(lesson.machines > 1 ? lesson.slug : undefined),
    );
    try {
      const hub = await this.varsFor(session);
      if (typeof hub === 'string' && needsHub(lesson, exercise))
        return { ...proof, status: 'skipped', problems: [hub] };
      const vars = typeof hub === 'string' ? fallbackVars : hub;
      const on = (machine: string): Sandbox => ({
        exec: (script: string, options?: ExecOptions): Promise<ExecResult> =>
          execInSandbox(machineOf(session.id, machine), script, options),
      });
      const sandbox: Sandbox = { ...on('node1'), ...(lesson.machines > 1 ? { machine: on } : {}) };
      const subject = exerciseWithVars(exercise, vars);

      const setupFailed = await time('setup', async () => {
        for (const [name, script, machine] of [
          ['lesson setup', lesson.setup, undefined],
          ['exercise setup', subject.setup, subject.machine],
        ] as const) {
          if (script === undefined) continue;
          const result = await onMachine(sandbox, machine).exec(substituteVars(script, vars), {
            user: 'root',
            timeoutMs: setupTimeoutMs,
          });
          if (result.exitCode !== 0) return `${name} exited with ${result.exitCode}: ${tail(result)}`;
        }
        return undefined;
      });
      if (setupFailed) return { ...proof, status: 'defect', problems: [setupFailed] };

      const fresh = await time('fresh', () => runExercise(subject, sandbox, { vars }));
      for (const check of fresh.checks.filter((c) => c.passed))
        proof.problems.push(`check ${check.id} passes on a fresh sandbox: defect in the check`);

      const solved = await time('solve', () =>
        onMachine(sandbox, subject.machine).exec(subject.solve, {
          user: 'learner',
          timeoutMs: solveTimeoutMs,
        }),
      );
      if (solved.exitCode !== 0) proof.problems.push(`solve exited with ${solved.exitCode}: ${tail(solved)}`);

      const after = await time('solved', () =>
        runExercise(subject, sandbox, { vars, checkTimeoutMs: 60_000 }),
      );
      for (const check of failing(after))
        proof.problems.push(`check ${check.id} fails after solve: ${check.message}`);
      // A solve script goes on past a failed step (its last line decides its exit code): show what failed.
      const complaints = solved.exitCode === 0 && proof.problems.length > 0 ? complaintsOf(solved) : '';
      if (complaints) proof.problems.push(`the solve script said: ${complaints}`);
      if (proof.problems.length > 0) {
        proof.status = 'defect';
        // The server logs warnings and errors only (DOCKYARD_LOG_LEVEL=warn): a hub or lab failure shows here.
        const serverSaid = this.platform.log.slice(logFrom).join(' ⏎ ');
        if (serverSaid) proof.problems.push(`the server logged meanwhile: ${serverSaid.slice(-1200)}`);
      }
      if (proof.status === 'defect' && /apt-get/.test(subject.solve)) {
        // Builds reach Debian only through the lab's package proxy: tell a missing proxy from a defect.
        const probe = await sandbox.exec("docker run --rm debian sh -c 'apt-get update'", {
          user: 'root',
          timeoutMs: 120_000,
        });
        if (probe.exitCode !== 0)
          return {
            ...proof,
            status: 'skipped',
            problems: [
              `apt-get cannot reach Debian from a container (the lab package proxy is missing): ${tail(probe)}`,
              ...proof.problems,
            ],
          };
      }
      return proof;
    } finally {
      await this.platform
        .api('DELETE', `/api/sessions/${session.id}`, undefined, session.token)
        .catch(() => undefined);
    }
  }

  /** The learner's hub login, or why it is not available (then the exercises needing it are skipped). */
  private async varsFor(session: { id: string; token: string }): Promise<Record<string, string> | string> {
    const hub = await this.platform.api('GET', `/api/sessions/${session.id}/hub`, undefined, session.token);
    const body = hub.body as { username?: unknown; password?: unknown } | undefined;
    if (hub.status === 200 && typeof body?.username === 'string' && typeof body.password === 'string')
      return { 'hub.username': body.username, 'hub.password': body.password };
    return `the server gives no hub account (GET /api/sessions/:id/hub answered ${hub.status}): the hub is not there yet`;
  }

  /** Library images the lesson's scripts mention that the lab hub does not hold. */
  private missingImages(lesson: Lesson, exercise: Exercise): string[] {
    if (!this.hubLibrary) return [];
    const text = [lesson.setup ?? '', exercise.setup ?? '', exercise.solve].join('\n');
    return libraryImages.filter(
      (name) =>
        new RegExp(`(^|[\\s:=/'"])${name}([\\s:@'"]|$)`, 'm').test(text) && !this.hubLibrary?.has(name),
    );
  }

  private async readHubLibrary(): Promise<Set<string> | undefined> {
    const library = await this.platform.api('GET', '/api/hub/library');
    if (library.status !== 200) return undefined;
    const repositories =
      (library.body as { repositories?: { name: string; tags: string[] }[] }).repositories ?? [];
    return new Set(repositories.filter((r) => r.tags.length > 0).map((r) => r.name));
  }
}

/** Runs a script in a session's sandbox as the server's runtime does: as root or the learner, from their home. */
async function execInSandbox(
  sessionId: string,
  script: string,
  options: ExecOptions = {},
): Promise<ExecResult> {
  const r = await inSandbox(sessionId, script, options.user ?? 'root', options.timeoutMs ?? 30_000);
  return { exitCode: r.code, stdout: r.stdout, stderr: r.stderr };
}

/** Whether the exercise logs in to or reads from the hub: then it needs real hub credentials. */
function needsHub(lesson: Lesson, exercise: Exercise): boolean {
  const scripts = [lesson.setup ?? '', exercise.setup ?? '', exercise.solve].join('\n');
  return (
    exercise.checks.some((check) => check.kind === 'hub') ||
    /\{\{\s*hub\.password|docker (login|push)/.test(scripts)
  );
}

function failing(report: ExerciseReport) {
  return report.checks.filter((check) => !check.passed);
}

function tail(result: ExecResult): string {
  const text = `${result.stderr}\n${result.stdout}`.trim().split('\n').slice(-6).join(' ⏎ ');
  return text.length > 600 ? `…${text.slice(-600)}` : text || 'no output';
}

/** The solve's lines that report an error (the last 4), for a solve that exited 0 but did not solve. */
function complaintsOf(result: ExecResult): string {
  const lines = `${result.stderr}\n${result.stdout}`
    .split('\n')
    // BuildKit's step output (`#6 4.5 …`) is the build's own chatter, apt's debconf warnings and all.
    .filter((line) => !/^#\d+ /.test(line) && /error|denied|failed|cannot|unable|not found/i.test(line));
  const text = lines.slice(-4).join(' ⏎ ');
  return text.length > 600 ? `…${text.slice(-600)}` : text;
}

/** One line per proof: status, lesson/exercise, timings, problems. */
export function formatProof(proof: ExerciseProof): string {
  const seconds = (ms: number | undefined) => (ms === undefined ? '-' : `${(ms / 1000).toFixed(1)}s`);
  const t = proof.timings;
  const timing = `sandbox ${seconds(t.sandbox)}, setup ${seconds(t.setup)}, fresh ${seconds(t.fresh)}, solve ${seconds(t.solve)}, solved ${seconds(t.solved)}`;
  const label = { proved: 'ok    ', defect: 'DEFECT', skipped: 'skip  ' }[proof.status];
  const lines = [`${label} ${proof.lesson}/${proof.exercise} (${timing})`];
  for (const problem of proof.problems) lines.push(`         - ${problem}`);
  return lines.join('\n');
}
