import { judgeCheck, type Check, type Outcome } from './checks/index.ts';
import { describeError, formatSeconds } from './checks/wording.ts';
import type { CheckReport, ExerciseReport } from './contract.ts';
import { DockerDaemonDownError, DockerReader } from './docker-state.ts';
import type { Exercise } from './lesson-schema.ts';
import { onMachine, type Sandbox } from './sandbox.ts';
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

/** Check kinds that run an author's script in the machine, which may change it: one at a time. */
const SCRIPTED: ReadonlySet<string> = new Set(['command', 'group']);

/**
 * Runs every check of an exercise against the learner's sandbox; never throws. The checks that
 * only read (images, containers, files, a URL…) run at once, over one snapshot of the Docker
 * state; those that run an author's script run one after another beside them. A learner waits for
 * the slowest chain, not for the sum (lesson 7's three checks took 1.4 s one by one).
 */
export async function runExercise(
  exercise: Exercise,
  sandbox: Sandbox,
  options: RunOptions = {},
): Promise<ExerciseReport> {
  const timeoutMs = options.checkTimeoutMs ?? defaultCheckTimeoutMs;
  const vars = options.vars ?? {};
  // One reading of the Docker state per machine the checks look at (node1 unless they name another).
  const readers = new Map<string, { on: Sandbox; docker: DockerReader }>();
  const machineOf = (check: Check) => {
    const name = check.machine ?? exercise.machine ?? 'node1';
    let reader = readers.get(name);
    if (!reader) {
      const on = onMachine(sandbox, name);
      reader = { on, docker: new DockerReader(on, timeoutMs, true) };
      readers.set(name, reader);
    }
    return reader;
  };
  const run = async (check: Check) => {
    let reader;
    try {
      reader = machineOf(check);
    } catch (error) {
      return failed(check, `The check could not run: ${describeError(error)}.`);
    }
    return runCheck(withVars(check, vars), reader.on, timeoutMs, reader.docker);
  };
  const reports = new Map<Check, Promise<CheckReport>>();
  const scripted = exercise.checks.filter((check) => SCRIPTED.has(check.kind));
  const inTurn = (async () => {
    for (const check of scripted) {
      const report = run(check);
      reports.set(check, report);
      await report;
    }
  })();
  for (const check of exercise.checks) if (!SCRIPTED.has(check.kind)) reports.set(check, run(check));
  await inTurn;
  const checks = await Promise.all(exercise.checks.map((check) => reports.get(check)!));
  return { passed: checks.every((check) => check.passed), checks };
}

/** Runs one check; a check that throws or times out becomes a failed report. */
export async function runCheck(
  check: Check,
  sandbox: Sandbox,
  timeoutMs = defaultCheckTimeoutMs,
  docker = new DockerReader(sandbox, timeoutMs),
): Promise<CheckReport> {
  let outcome: Outcome;
  try {
    outcome = await withTimeout(judgeCheck(check, { sandbox, docker, timeoutMs }), timeoutMs);
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
  return failed(check, outcome.found);
}

/** A failed check's report: its message, what was found, and its hint. */
function failed(check: Check, found: string): CheckReport {
  return { id: check.id, passed: false, message: `${check.message} ${found}`, hint: check.hint };
}

class CheckTimeoutError extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CheckTimeoutError(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
