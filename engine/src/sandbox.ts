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
}
