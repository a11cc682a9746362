import fs from 'node:fs';
import path from 'node:path';
import { logger } from '../logger.ts';
import { HUB_ISSUER, HUB_SERVICE } from './registry-token.ts';
import { SupervisedProcess } from '../lab/supervised-process.ts';

/** A registry the hub pulls through from (Docker Hub in online mode), with optional credentials. */
export interface Upstream {
  url: string;
  username?: string;
  password?: string;
}

/**
 * The lab hub's storage and API: the CNCF distribution registry (Debian's docker-registry) on
 * loopback, behind the hub front. It accepts only tokens signed by the server (token auth), so
 * learners push into their own namespace and pull the library that `npm start` published.
 *
 * Given an upstream, the same program runs as a pull-through cache of that registry instead (the
 * online mode's mirror): read-only, filled on first pull, behind the same token auth.
 */
export class HubRegistry {
  private process: SupervisedProcess | undefined;

  constructor(
    private readonly storageDir: string,
    readonly port: number,
    private readonly tokenCertFile: string,
    private readonly upstream?: Upstream,
    private readonly binary = 'docker-registry',
  ) {}

  private get name(): string {
    return this.upstream ? 'hub mirror' : 'hub registry';
  }

  private writeConfig(): string {
    fs.mkdirSync(this.storageDir, { recursive: true });
    const file = path.join(path.dirname(this.storageDir), `${path.basename(this.storageDir)}-config.yml`);
    const quote = (value: string) => JSON.stringify(value);
    const proxy = this.upstream
      ? [
          'proxy:',
          `  remoteurl: ${quote(this.upstream.url)}`,
          ...(this.upstream.username ? [`  username: ${quote(this.upstream.username)}`] : []),
          ...(this.upstream.password ? [`  password: ${quote(this.upstream.password)}`] : []),
        ]
      : [];
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
        ...proxy,
        '',
      ].join('\n'),
    );
    return file;
  }

  /** Starts the registry (or finds it running) and keeps it running. */
  async start(): Promise<void> {
    this.process = new SupervisedProcess(this.name, this.binary, ['serve', this.writeConfig()], () =>
      this.answers(),
    );
    await this.process.start();
    logger.info({ port: this.port, upstream: this.upstream?.url }, `${this.name} up`);
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
