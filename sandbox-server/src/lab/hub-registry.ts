import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { logger } from '../logger.ts';

/**
 * The lab hub: the CNCF distribution registry (Debian's docker-registry) serving the image
 * library that `npm start` published into its storage. Sandboxes use it as their Docker Hub
 * mirror, so `docker pull hello-world` works offline. It runs read-only: learners cannot
 * overwrite the library (their own namespaces come with token auth).
 */
export class HubRegistry {
  private child: ChildProcess | undefined;
  private stopping = false;

  constructor(
    private readonly storageDir: string,
    private readonly port: number,
    private readonly binary = 'docker-registry',
  ) {}

  private writeConfig(): string {
    fs.mkdirSync(this.storageDir, { recursive: true });
    const file = path.join(path.dirname(this.storageDir), 'hub-config.yml');
    fs.writeFileSync(
      file,
      [
        'version: 0.1',
        'log:',
        '  level: warn',
        '  accesslog:',
        '    disabled: true',
        'storage:',
        '  filesystem:',
        `    rootdirectory: ${this.storageDir}`,
        '  maintenance:',
        '    uploadpurging:',
        '      enabled: false',
        '    readonly:',
        '      enabled: true',
        'http:',
        `  addr: :${this.port}`,
        '',
      ].join('\n'),
    );
    return file;
  }

  /** Starts the registry and restarts it if it dies; resolves once it answers. */
  async start(): Promise<void> {
    if (await this.answers()) {
      logger.warn({ port: this.port }, 'a hub registry already answers on this port; using it');
      return;
    }
    const config = this.writeConfig();
    const launch = () => {
      const child = spawn(this.binary, ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
      this.child = child;
      child.stderr?.on('data', (d: Buffer) => logger.debug({ hub: d.toString().trim() }, 'hub registry'));
      child.on('error', (err) => logger.error({ err }, 'the hub registry could not start'));
      child.on('exit', (code) => {
        if (this.stopping) return;
        logger.warn({ code }, 'the hub registry exited; restarting it in 1s');
        setTimeout(launch, 1000);
      });
    };
    launch();
    await this.waitUntilUp(10_000);
    logger.info({ port: this.port }, 'hub registry up');
  }

  private async answers(): Promise<boolean> {
    try {
      return (await fetch(`http://127.0.0.1:${this.port}/v2/`)).ok;
    } catch {
      return false;
    }
  }

  async waitUntilUp(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await this.answers()) return;
      if (Date.now() > deadline) throw new Error(`The hub registry did not answer on port ${this.port}.`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  stop(): void {
    this.stopping = true;
    this.child?.kill('SIGTERM');
  }
}
