import { judgeCheck, type Check, type Outcome } from './checks/index.ts';
import { describeError, formatSeconds } from './checks/wording.ts';
import type { CheckReport, ExerciseReport } from './contract.ts';
import { DockerDaemonDownError, DockerReader } from './docker-state.ts';
import type { Exercise } from './lesson-schema.ts';
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
    const docker = new DockerReader(sandbox, timeoutMs);
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
  return { id: check.id, passed: false, message: `${check.message} ${outcome.found}`, hint: check.hint };
}

class CheckTimeoutError extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CheckTimeoutError(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
