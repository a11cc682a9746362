import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { logger } from '../logger.ts';
import { packageRequestRefusal } from './package-filter.ts';
import { SupervisedProcess } from './supervised-process.ts';

/**
 * The lab's package proxy, so `apt-get` in the sandbox and in builds inside it reaches Debian's
 * mirror. Debian's apt-cacher-ng fetches and caches, on loopback only; in front of it, on the port
 * sandboxes reach, a filter passes plain GETs of Debian archive paths and refuses the rest
 * (CONNECT tunnels, host-local and arbitrary URLs): it is the sandboxes' only way out.
 */
export class PackageProxy {
  private process: SupervisedProcess | undefined;
  private front: http.Server | undefined;
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly dir: string,
    readonly port: number,
    private readonly cachePort: number,
    private readonly debianHosts: string[],
  ) {}

  private async answers(): Promise<boolean> {
    try {
      return (await fetch(`http://127.0.0.1:${this.cachePort}/acng-report.html`)).status < 500;
    } catch {
      return false;
    }
  }

  async start(): Promise<void> {
    for (const sub of ['cache', 'log', 'conf']) fs.mkdirSync(path.join(this.dir, sub), { recursive: true });
    // Our own minimal configuration: no remapping of mirrors (Debian's default remaps need a
    // backends list), no tunnels, loopback only: the filter in front decides what passes.
    fs.writeFileSync(
      path.join(this.dir, 'conf', 'acng.conf'),
      [
        `CacheDir: ${path.join(this.dir, 'cache')}`,
        `LogDir: ${path.join(this.dir, 'log')}`,
        `Port: ${this.cachePort}`,
        'BindAddress: 127.0.0.1',
        'SupportDir: /usr/lib/apt-cacher-ng',
        'ReportPage: acng-report.html',
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
    await this.listenFront();
    logger.info({ port: this.port, cachePort: this.cachePort }, 'package proxy up');
  }

  /**
   * Serves the filter on the lab port. Another Dockyard server on this host (a test run beside a
   * running platform) may hold the port: then this one tries again every few seconds, so the
   * filter outlives whichever server stops first.
   */
  private listenFront(): Promise<void> {
    const refuse = (res: http.ServerResponse, status: number, sentence: string) => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
      res.end(sentence + '\n');
    };
    const server = http.createServer((req, res) => {
      const refusal = packageRequestRefusal(req.method ?? '', req.url ?? '', this.debianHosts);
      if (refusal) {
        logger.debug(
          { method: req.method, url: req.url, from: req.socket.remoteAddress },
          'package proxy refused',
        );
        return refuse(res, 403, refusal);
      }
      const upstream = http.request(
        { host: '127.0.0.1', port: this.cachePort, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () =>
        refuse(res, 502, 'The lab package cache does not answer; try again in a moment.'),
      );
      req.pipe(upstream);
    });
    // CONNECT never reaches the request handler: answer it here, and close the socket.
    server.on('connect', (req: http.IncomingMessage, socket: import('node:net').Socket) => {
      // A client that hangs up first must not take the server down with an unhandled error.
      socket.on('error', () => socket.destroy());
      socket.end(
        'HTTP/1.1 405 Method Not Allowed\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n' +
          packageRequestRefusal('CONNECT', req.url ?? '', this.debianHosts) +
          '\n',
      );
    });
    server.on('clientError', (_err, socket) => socket.destroy());
    return new Promise((resolve) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        logger.debug({ err, port: this.port }, 'package proxy filter served by another process for now');
        if (!this.stopped) this.retry = setTimeout(() => void this.listenFront(), 3000).unref();
        resolve();
      });
      server.listen(this.port, '0.0.0.0', () => {
        this.front = server;
        resolve();
      });
    });
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
    this.front?.close();
    this.process?.stop();
  }
}
