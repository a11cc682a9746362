import fs from 'node:fs';
import path from 'node:path';
import { logger } from '../logger.ts';
import { HUB_ISSUER, HUB_SERVICE } from './registry-token.ts';
import { SupervisedProcess } from './supervised-process.ts';

/**
 * The lab hub's storage and API: the CNCF distribution registry (Debian's docker-registry) on
 * loopback, behind the hub front. It accepts only tokens signed by the server (token auth), so
 * learners push into their own namespace and pull the library that `npm start` published.
 */
export class HubRegistry {
  private process: SupervisedProcess | undefined;

  constructor(
    private readonly storageDir: string,
    readonly port: number,
    private readonly tokenCertFile: string,
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
        '  delete:',
        '    enabled: true',
        'http:',
        `  addr: 127.0.0.1:${this.port}`,
        '  relativeurls: true',
        'auth:',
        '  token:',
        '    realm: https://auth.docker.io/token',
        `    service: ${HUB_SERVICE}`,
        `    issuer: ${HUB_ISSUER}`,
        `    rootcertbundle: ${this.tokenCertFile}`,
        '',
      ].join('\n'),
    );
    return file;
  }

  /** Starts the registry (or finds it running) and keeps it running. */
  async start(): Promise<void> {
    this.process = new SupervisedProcess('hub registry', this.binary, ['serve', this.writeConfig()], () =>
      this.answers(),
    );
    await this.process.start();
    logger.info({ port: this.port }, 'hub registry up');
  }

  /** The registry answers /v2/ (with 401: it wants a token). */
  private async answers(): Promise<boolean> {
    try {
      const res = await fetch(`http://127.0.0.1:${this.port}/v2/`);
      return res.status === 401 || res.ok;
    } catch {
      return false;
    }
  }

  stop(): void {
    this.process?.stop();
  }
}
