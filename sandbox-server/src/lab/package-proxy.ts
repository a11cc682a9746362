import fs from 'node:fs';
import path from 'node:path';
import { logger } from '../logger.ts';
import { SupervisedProcess } from './supervised-process.ts';

/**
 * The lab's package proxy: Debian's apt-cacher-ng, so `apt-get` in the sandbox and in builds inside
 * it reaches Debian's mirror (and caches what it fetched). It is the sandboxes' only way out.
 */
export class PackageProxy {
  private process: SupervisedProcess | undefined;

  constructor(
    private readonly dir: string,
    readonly port: number,
  ) {}

  private async answers(): Promise<boolean> {
    try {
      return (await fetch(`http://127.0.0.1:${this.port}/acng-report.html`)).status < 500;
    } catch {
      return false;
    }
  }

  async start(): Promise<void> {
    for (const sub of ['cache', 'log', 'conf']) fs.mkdirSync(path.join(this.dir, sub), { recursive: true });
    // Our own minimal configuration: no remapping of mirrors (Debian's default remaps need a
    // backends list), every request passed to the host it names.
    fs.writeFileSync(
      path.join(this.dir, 'conf', 'acng.conf'),
      [
        `CacheDir: ${path.join(this.dir, 'cache')}`,
        `LogDir: ${path.join(this.dir, 'log')}`,
        `Port: ${this.port}`,
        'SupportDir: /usr/lib/apt-cacher-ng',
        'ReportPage: acng-report.html',
        'PassThroughPattern: .*',
        'ExThreshold: 4',
        '',
      ].join('\n'),
    );
    this.process = new SupervisedProcess(
      'package proxy',
      'apt-cacher-ng',
      ['-c', path.join(this.dir, 'conf'), 'ForeGround=1'],
      () => this.answers(),
    );
    await this.process.start();
    logger.info({ port: this.port }, 'package proxy up');
  }

  stop(): void {
    this.process?.stop();
  }
}
