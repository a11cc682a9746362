import { spawn, type ChildProcess } from 'node:child_process';
import { logger } from '../logger.ts';

/**
 * A lab service run as a child process and kept alive. Several Dockyard servers on one host (a
 * test run beside a running platform) share the service: whoever finds it down starts it, and
 * everyone checks every few seconds, so the service outlives the server that started it stopping.
 */
export class SupervisedProcess {
  private child: ChildProcess | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;

  constructor(
    private readonly name: string,
    private readonly command: string,
    private readonly args: string[],
    private readonly answers: () => Promise<boolean>,
  ) {}

  private launch(): void {
    const child = spawn(this.command, this.args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    child.stderr?.on('data', (d: Buffer) =>
      logger.debug({ service: this.name, out: d.toString().trim() }, 'lab service'),
    );
    child.on('error', (err) => logger.error({ service: this.name, err }, 'lab service could not start'));
    child.on('exit', (code) => {
      if (this.child === child) this.child = undefined;
      if (!this.stopping) logger.warn({ service: this.name, code }, 'lab service exited');
    });
  }

  private async ensure(): Promise<void> {
    if (this.stopping || this.child || (await this.answers())) return;
    logger.info({ service: this.name }, 'starting lab service');
    this.launch();
  }

  /** Starts (or finds) the service, resolves once it answers, then keeps watching it. */
  async start(timeoutMs = 15_000): Promise<void> {
    await this.ensure();
    const deadline = Date.now() + timeoutMs;
    while (!(await this.answers())) {
      if (Date.now() > deadline) throw new Error(`The ${this.name} did not answer.`);
      await new Promise((r) => setTimeout(r, 100));
    }
    this.timer = setInterval(() => {
      this.ensure().catch((err: unknown) =>
        logger.error({ service: this.name, err }, 'lab service check failed'),
      );
    }, 3000);
    this.timer.unref();
  }

  stop(): void {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    this.child?.kill('SIGTERM');
  }
}
