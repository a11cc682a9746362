/** What one command run in the sandbox produced. */
export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** How to run one command in the sandbox. */
export interface ExecOptions {
  /** Who runs the script: root, or the learner's own unprivileged user. Default root. */
  user?: 'root' | 'learner';
  /** Give up after this many milliseconds. */
  timeoutMs?: number;
}

/** The learner's machine, as the engine sees it. `script` runs with `sh -c` (root unless user says learner). */
export interface Sandbox {
  exec(script: string, options?: ExecOptions): Promise<ExecResult>;
  /**
   * Another machine of the same learner, in a lesson with several (`node2`…); `node1` is this one.
   * Absent where there is only one machine.
   */
  machine?(name: string): Sandbox;
}

/** The machine a script or check names (`node1` when it names none), on the learner's sandbox. */
export function onMachine(sandbox: Sandbox, name: string | undefined): Sandbox {
  if (name === undefined || name === 'node1') return sandbox;
  if (!sandbox.machine) throw new Error(`This lesson has one machine: there is no ${name}.`);
  return sandbox.machine(name);
}
