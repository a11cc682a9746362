import { exerciseSchema, type Exercise } from '../lesson-schema.ts';
import type { ExecOptions, ExecResult, Sandbox } from '../sandbox.ts';

// Test doubles for the engine's specs: a sandbox that answers scripts by pattern, and a one-check exercise.

/**
 * How the fake answers a script: fixed fields, or a function of the script. Fields left out default
 * to a silent success (exit code 0, empty stdout and stderr); a function may throw or never settle.
 */
export type Answer =
  | Partial<ExecResult>
  | ((script: string, options?: ExecOptions) => Partial<ExecResult> | Promise<Partial<ExecResult>>);

/** A pattern and its answer: the first rule whose pattern matches the script wins. */
export type Rule = [RegExp, Answer];

/** A sandbox that answers scripts from rules of its own and records every call; any other script throws. */
export class FakeSandbox implements Sandbox {
  readonly calls: { script: string; options?: ExecOptions }[] = [];
  constructor(private readonly rules: Rule[]) {}

  async exec(script: string, options?: ExecOptions): Promise<ExecResult> {
    this.calls.push({ script, options });
    const rule = this.rules.find(([pattern]) => pattern.test(script));
    if (!rule) throw new Error(`unexpected script: ${script}`);
    const answer = typeof rule[1] === 'function' ? await rule[1](script, options) : rule[1];
    return { exitCode: 0, stdout: '', stderr: '', ...answer };
  }
}

/** An exercise of one check with the given fields, titled 'It passed', message 'It is missing.', hint 'Do the thing.'. */
export function exerciseWith(check: Record<string, unknown>): Exercise {
  return exerciseSchema.parse({
    id: 'x',
    title: 'X',
    solve: 'true',
    checks: [{ id: 'c', title: 'It passed', message: 'It is missing.', hint: 'Do the thing.', ...check }],
  });
}
