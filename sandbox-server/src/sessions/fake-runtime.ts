import type { ExecResult } from '../../../engine/src/sandbox.ts';
import {
  SandboxStoppedError,
  type AttachCommand,
  type AttachOptions,
  type RuntimeExecOptions,
  type SandboxInfo,
  type SandboxLimits,
  type SandboxRuntime,
} from '../runtime/sandbox-runtime.ts';

type Step = 'create' | 'ready' | 'start' | 'remove';

/**
 * A runtime for the session specs: it keeps sandboxes in a map, and any of its slow steps (create,
 * the engine's readiness, a restart) can be held open, so a spec can end a session in the middle
 * of one and then let it finish. Nothing here runs a machine.
 */
export class FakeRuntime implements SandboxRuntime {
  readonly name = 'incus' as const;
  /** Sandboxes on the "host", and whether each runs. */
  readonly sandboxes = new Map<string, { running: boolean }>();
  /** How often each step was asked for. */
  readonly calls: Record<Step | 'stop', number> = {
    create: 0,
    ready: 0,
    start: 0,
    remove: 0,
    stop: 0,
  };
  private readonly held = new Set<Step>();
  private readonly waiting: { step: Step; go: () => void; fail: (err: Error) => void }[] = [];

  /** Makes the next calls of a step wait until `release` or `fail`. */
  hold(step: Step): void {
    this.held.add(step);
  }

  /** Lets every waiting call of a step finish, and the next ones run at once. */
  release(step: Step): void {
    this.held.delete(step);
    for (const w of this.waiting.filter((w) => w.step === step)) w.go();
  }

  /** Makes every waiting call of a step fail with the message. */
  fail(step: Step, message: string): void {
    this.held.delete(step);
    for (const w of this.waiting.filter((w) => w.step === step)) w.fail(new Error(message));
  }

  /** How many calls of a step wait now. */
  pending(step: Step): number {
    return this.waiting.filter((w) => w.step === step).length;
  }

  private gate(step: Step, then: () => void): Promise<void> {
    this.calls[step]++;
    if (!this.held.has(step)) {
      then();
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const entry = {
        step,
        go: () => {
          this.waiting.splice(this.waiting.indexOf(entry), 1);
          then();
          resolve();
        },
        fail: (err: Error) => {
          this.waiting.splice(this.waiting.indexOf(entry), 1);
          reject(err);
        },
      };
      this.waiting.push(entry);
    });
  }

  /** How many machines each sandbox was made with. */
  readonly machines = new Map<string, number>();

  create(sessionId: string, _limits?: SandboxLimits, machines = 1): Promise<void> {
    this.machines.set(sessionId, machines);
    return this.gate('create', () => this.sandboxes.set(sessionId, { running: true }));
  }

  /** Plays a machine on its way down: it still says it runs for this many more asks. */
  goingDownFor = 0;

  async isRunning(sessionId: string): Promise<boolean> {
    if (this.goingDownFor > 0) {
      this.goingDownFor--;
      return true;
    }
    return this.sandboxes.get(sessionId)?.running ?? false;
  }

  async stop(sessionId: string): Promise<void> {
    this.calls.stop++;
    const sandbox = this.sandboxes.get(sessionId);
    if (sandbox) sandbox.running = false;
  }

  async start(sessionId: string): Promise<void> {
    await this.gate('start', () => {
      const sandbox = this.sandboxes.get(sessionId);
      if (sandbox) sandbox.running = true;
    });
    if (!this.sandboxes.has(sessionId)) throw new Error(`There is no sandbox ${sessionId}.`);
  }

  waitUntilReady(): Promise<void> {
    return this.gate('ready', () => undefined);
  }

  /** Commands that ran, by sandbox. */
  readonly ran: { sessionId: string; script: string; machine?: string }[] = [];

  /** Set: every command fails with it, as when the runtime itself cannot run one. */
  execFailure: Error | undefined;

  /**
   * Set: how commands end, per command (a spec scripts a machine's behaviour with it). What it
   * leaves out, or a command it answers `undefined` for, ends as a silent-ish success (exit 0,
   * `ok`); a promise that never settles is a command that never ends (the fake has no timer).
   */
  answer:
    | ((
        script: string,
        options: RuntimeExecOptions | undefined,
        sessionId: string,
      ) => Partial<ExecResult> | undefined | Promise<Partial<ExecResult> | undefined>)
    | undefined;

  async exec(sessionId: string, script: string, options?: RuntimeExecOptions): Promise<ExecResult> {
    if (!this.sandboxes.get(sessionId)?.running) throw new SandboxStoppedError('Instance is not running');
    if (this.execFailure) throw this.execFailure;
    // node1 (every session's first machine) goes unnamed: most specs know no other.
    const machine = options?.machine && options.machine !== 'node1' ? { machine: options.machine } : {};
    this.ran.push({ sessionId, script, ...machine });
    const answered = await this.answer?.(script, options, sessionId);
    return { exitCode: 0, stdout: 'ok', stderr: '', ...answered };
  }

  async sandboxAddress(): Promise<string> {
    return '10.0.0.2';
  }

  /** The options of every attach asked for. */
  readonly attaches: { sessionId: string; options: AttachOptions }[] = [];

  attachCommand(sessionId: string, options: AttachOptions = {}): AttachCommand {
    this.attaches.push({ sessionId, options });
    return { file: 'true', args: [], env: {} };
  }

  /** Set: removal fails with it, as for a machine on a cluster member that is down. */
  removeFailure: Error | undefined;

  async remove(sessionId: string): Promise<void> {
    if (this.removeFailure) {
      this.calls.remove++;
      throw this.removeFailure;
    }
    await this.gate('remove', () => this.sandboxes.delete(sessionId));
  }

  /** Sessions whose machines sit on a cluster member that is down (`stranded` answers them). */
  strandedIds: string[] = [];

  async stranded(): Promise<string[]> {
    return this.strandedIds;
  }

  async list(): Promise<SandboxInfo[]> {
    return [...this.sandboxes].map(([sessionId, s]) => ({ sessionId, running: s.running }));
  }

  async removeOrphans(): Promise<number> {
    return 0;
  }
}
