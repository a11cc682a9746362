import { runExercise } from './check-runner.ts';
import { formatSeconds } from './checks/wording.ts';
import type { ExerciseReport } from './contract.ts';
import type { LessonContent } from './lesson-catalogue.ts';
import type { Exercise } from './lesson-schema.ts';
import { onMachine, type ExecResult, type Sandbox } from './sandbox.ts';
import { exerciseWithVars, substituteVars } from './substitution.ts';

// The proof of a lesson's exercises, as the course proof (lessons/course-proof.ts) does it for the
// repository's lessons: on a fresh machine, setup as root, every check must fail; then each solve
// as the learner, after which its checks must pass. The server proves instructors' class lessons
// with it, step by step, so the instructor sees where it stands while it runs.

/** Where one step of a proof is. */
export type ProofStepState = 'running' | 'passed' | 'failed';

/** One step of a proof: a script run, or a round of checks. */
export interface ProofStep {
  /** `lesson setup`, `setup <exercise>`, `checks before`, `solve <exercise>`, `checks after <exercise>`. */
  name: string;
  state: ProofStepState;
  /** How long it took (so far, while running). */
  ms: number;
  /** What went wrong, in a sentence; only on a failed step. */
  message?: string;
}

/** One check's verdict: it must fail before the solve and pass after it. */
export interface ProvedCheck {
  exercise: string;
  id: string;
  /** Whether it failed on the fresh machine; null when the proof stopped before it ran. */
  failedBefore: boolean | null;
  /** Whether it passed after its exercise's solve; null when the proof stopped before it ran. */
  passedAfter: boolean | null;
  /** What was found, or why this check is at fault. */
  message: string;
}

/** A proof, finished or so far. */
export interface LessonProofResult {
  /** Every step passed: each check failed before and passed after. */
  passed: boolean;
  steps: ProofStep[];
  checks: ProvedCheck[];
  /** The first failed step's message, when the proof failed. */
  message?: string;
}

export interface ProveOptions {
  /** How long the lesson setup and each exercise setup may run. Default 120 s. */
  setupTimeoutMs?: number;
  /** How long each solve script may run. Default 120 s. */
  solveTimeoutMs?: number;
  /** How long one check may take (the check runner's default when left out). */
  checkTimeoutMs?: number;
  /** Values for `{{name}}` placeholders in scripts and checks. */
  vars?: Record<string, string>;
  /** Told of the proof so far whenever a step starts or ends. */
  onProgress?: (proof: LessonProofResult) => void;
  now?: () => number;
}

export const PROOF_SCRIPT_TIMEOUT_MS = 120_000;

/**
 * The runtime's own timeout is set this much later than the proof's, so the proof's sentence is
 * the one told; the machine is to be removed after a timeout anyway, which ends the script.
 */
const RUNTIME_BACKSTOP_MS = 10_000;

/** A script of the proof ran past its time (it may still run in the machine). */
class ScriptTimeout extends Error {}

/** Why the proof stops here: a step that leaves the machine unfit for the next ones. */
class ProofStopped extends Error {}

/** The last lines of a script's output, for a message. */
function tail(result: ExecResult): string {
  const text = `${result.stderr}\n${result.stdout}`.trim().split('\n').slice(-6).join(' ⏎ ');
  return text.length > 600 ? `…${text.slice(-600)}` : text || 'no output';
}

/**
 * Proves a lesson's exercises in `sandbox`, which must be a fresh machine no learner uses: the
 * lesson setup and each exercise's setup as root; every check of every exercise must fail; then, in
 * order, each exercise's solve as the learner, after which each of its checks must pass. A setup
 * that fails, or any script that does not end within its time or cannot run, stops the proof there
 * (the machine may be past use: the caller removes it). Never throws.
 */
export async function proveLesson(
  lesson: Pick<LessonContent, 'setup' | 'exercises'>,
  sandbox: Sandbox,
  options: ProveOptions = {},
): Promise<LessonProofResult> {
  const now = options.now ?? Date.now;
  const vars = options.vars ?? {};
  const setupTimeoutMs = options.setupTimeoutMs ?? PROOF_SCRIPT_TIMEOUT_MS;
  const solveTimeoutMs = options.solveTimeoutMs ?? PROOF_SCRIPT_TIMEOUT_MS;
  const exercises = lesson.exercises.map((e) => exerciseWithVars(e, vars));
  const proof: LessonProofResult = {
    passed: false,
    steps: [],
    checks: exercises.flatMap((e) =>
      e.checks.map((c) => ({ exercise: e.id, id: c.id, failedBefore: null, passedAfter: null, message: '' })),
    ),
  };
  const report = () => options.onProgress?.(structuredClone(proof));
  const checkOf = (exercise: string, id: string) =>
    proof.checks.find((c) => c.exercise === exercise && c.id === id)!;

  /** Runs one step: its work answers the failure message, if any; a ProofStopped ends the proof. */
  const step = async (name: string, work: () => Promise<string | undefined>): Promise<void> => {
    const started = now();
    const entry: ProofStep = { name, state: 'running', ms: 0 };
    proof.steps.push(entry);
    report();
    let failure: string | undefined;
    let stopped = false;
    try {
      failure = await work();
    } catch (error) {
      failure = (error as Error).message;
      stopped = true;
    }
    entry.ms = now() - started;
    entry.state = failure === undefined ? 'passed' : 'failed';
    if (failure !== undefined) entry.message = failure;
    report();
    if (stopped) throw new ProofStopped(failure);
  };

  /** Runs a script; a timeout or a script that cannot run stops the proof, naming it. */
  const script = async (
    label: string,
    text: string,
    user: 'root' | 'learner',
    timeoutMs: number,
    machine?: string,
  ): Promise<ExecResult> => {
    try {
      return await runWithin(onMachine(sandbox, machine), substituteVars(text, vars), user, timeoutMs);
    } catch (error) {
      if (error instanceof ScriptTimeout)
        throw new Error(
          `The ${label} did not finish within ${formatSeconds(timeoutMs)}, so the proof stopped it there. ` +
            'A script must end: one that waits for ever (sleep infinity, a server in the foreground, a prompt) or forks without end never does.',
        );
      throw new Error(`The ${label} could not run: ${(error as Error).message}`);
    }
  };

  const setup = async (label: string, text: string, machine?: string) => {
    const result = await script(label, text, 'root', setupTimeoutMs, machine);
    // Checks on a machine whose setup failed prove nothing: the proof stops.
    if (result.exitCode !== 0)
      throw new Error(`The ${label} exited with ${result.exitCode}: ${tail(result)}`);
    return undefined;
  };

  const checksOf = (exercise: Exercise): Promise<ExerciseReport> =>
    runExercise(exercise, sandbox, { vars, checkTimeoutMs: options.checkTimeoutMs });

  try {
    if (lesson.setup !== undefined) await step('lesson setup', () => setup('lesson setup', lesson.setup!));
    for (const exercise of exercises)
      if (exercise.setup !== undefined)
        await step(`setup ${exercise.id}`, () =>
          setup(`setup of exercise "${exercise.id}"`, exercise.setup!, exercise.machine),
        );

    await step('checks before', async () => {
      const early: string[] = [];
      for (const exercise of exercises) {
        for (const check of (await checksOf(exercise)).checks) {
          const entry = checkOf(exercise.id, check.id);
          entry.failedBefore = !check.passed;
          entry.message = check.message;
          if (check.passed) early.push(`${exercise.id}/${check.id}`);
        }
        report();
      }
      if (early.length === 0) return undefined;
      const total = proof.checks.length;
      return (
        `${early.length} of ${total} check${total === 1 ? '' : 's'} already pass${early.length === 1 ? 'es' : ''} on a fresh machine, before the solve ` +
        `(a learner would pass without doing anything): ${early.join(', ')}.`
      );
    });

    for (const exercise of exercises) {
      await step(`solve ${exercise.id}`, async () => {
        const result = await script(
          `solve script of exercise "${exercise.id}"`,
          exercise.solve,
          'learner',
          solveTimeoutMs,
          exercise.machine,
        );
        // Its checks still run: they show what the solve left undone.
        return result.exitCode === 0
          ? undefined
          : `The solve script of exercise "${exercise.id}" exited with ${result.exitCode}: ${tail(result)}`;
      });
      await step(`checks after ${exercise.id}`, async () => {
        const still: string[] = [];
        for (const check of (await checksOf(exercise)).checks) {
          const entry = checkOf(exercise.id, check.id);
          entry.passedAfter = check.passed;
          if (!check.passed) still.push(`${check.id}: ${check.message}`);
          entry.message = verdict(entry, check.message);
        }
        if (still.length === 0) return undefined;
        return `${still.length} check${still.length === 1 ? '' : 's'} of exercise "${exercise.id}" still fail${still.length === 1 ? 's' : ''} after its solve: ${still.join(' ')}`;
      });
    }
  } catch (error) {
    if (!(error instanceof ProofStopped)) throw error;
    const at = proof.steps.at(-1)!.name;
    for (const entry of proof.checks)
      if (entry.passedAfter === null)
        entry.message =
          entry.failedBefore === null
            ? `Not run: the proof stopped at "${at}".`
            : `${entry.failedBefore ? '' : `${alreadyPasses} `}Not run after the solve: the proof stopped at "${at}".`;
  }
  proof.passed = proof.steps.every((s) => s.state === 'passed');
  const failed = proof.steps.find((s) => s.state === 'failed');
  if (failed?.message) proof.message = failed.message;
  report();
  return proof;
}

const alreadyPasses =
  'It passes on a fresh machine, before the solve: a learner would pass it without doing anything.';

/** A check's message once it ran after the solve: what was found, and whether it passed too early. */
function verdict(entry: ProvedCheck, after: string): string {
  if (entry.failedBefore !== false) return after;
  return entry.passedAfter ? alreadyPasses : `${alreadyPasses} After the solve it fails: ${after}`;
}

/**
 * Runs a script with the proof's own timer: past `timeoutMs` it rejects with a ScriptTimeout (the
 * script may go on in the machine until the caller removes it).
 */
async function runWithin(
  sandbox: Sandbox,
  script: string,
  user: 'root' | 'learner',
  timeoutMs: number,
): Promise<ExecResult> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = sandbox.exec(script, { user, timeoutMs: timeoutMs + RUNTIME_BACKSTOP_MS });
  // The run may still fail after the timer won: that is no longer anyone's concern.
  run.catch(() => undefined);
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ScriptTimeout()), timeoutMs);
  });
  return Promise.race([run, timeout]).finally(() => clearTimeout(timer));
}
