import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * A real Dockyard server in a child process, as `npm start` runs it, with its own database file
 * and instance label so tests never touch another server's sandboxes.
 */
export class Platform {
  url = '';
  private child: ChildProcess | undefined;
  readonly log: string[] = [];
  readonly env: Record<string, string>;
  readonly dbFile: string;
  readonly instance: string;

  constructor(env: Record<string, string> = {}) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-test-'));
    this.dbFile = path.join(dir, 'dockyard.db');
    this.instance = `test-${process.env.DOCKYARD_TEST_RUN ?? 'adhoc'}-${crypto.randomBytes(4).toString('hex')}`;
    this.env = {
      PORT: String(18000 + Math.floor(Math.random() * 2000)),
      DOCKYARD_DB: this.dbFile,
      DOCKYARD_INSTANCE: this.instance,
      DOCKYARD_LOG_LEVEL: 'info',
      // Tests count and time sandboxes one by one; the warm pool has a test of its own.
      DOCKYARD_POOL_SIZE: '0',
      // Every test request comes from 127.0.0.1; the capacity test sets its own limits.
      DOCKYARD_SESSIONS_PER_IP: '1000',
      DOCKYARD_SESSION_RATE_PER_MINUTE: '10000',
      ...env,
    };
  }

  /** Starts the server and resolves once it prints its URL. */
  async start(): Promise<void> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'sandbox-server/src/main.ts'], {
      cwd: repoRoot,
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`server did not start:\n${this.log.join('\n')}`)),
        60_000,
      );
      const onData = (d: Buffer) => {
        const text = d.toString();
        this.log.push(text.trimEnd());
        const m = /Dockyard is running at (http:\/\/\S+)/.exec(text);
        if (m) {
          clearTimeout(timer);
          this.url = m[1]!;
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`server exited with ${code}:\n${this.log.join('\n')}`));
      });
    });
  }

  /** Stops the server process (sandboxes stay, as on a real restart). `kill` simulates a crash. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }

  /** The server process's id (for its CPU time in benchmarks). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  get wsUrl(): string {
    return this.url.replace(/^http/, 'ws');
  }

  async api(
    method: string,
    urlPath: string,
    body?: unknown,
    token?: string,
    headers: Record<string, string> = {},
    // Tests read API answers field by field; a loose type keeps them short.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
  ): Promise<{ status: number; body: any }> {
    const res = await fetch(this.url + urlPath, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: parsed };
  }

  /** The server's log lines about the reference a refusal names, for the test's error. */
  private logAbout(body: unknown): string {
    const reference = /reference ([0-9a-f]+)/.exec(JSON.stringify(body))?.[1];
    if (!reference) return '';
    const lines = this.log.flatMap((chunk) => chunk.split('\n')).filter((l) => l.includes(reference));
    return `\nthe server's log about it:\n${lines.join('\n')}`;
  }

  /** A ready session; `cookie` (e.g. `dockyard_learner=…`) opens it as a returning learner. */
  async session(lesson?: string, cookie?: string): Promise<{ id: string; token: string }> {
    const created = await this.api(
      'POST',
      '/api/sessions',
      lesson ? { lesson } : {},
      undefined,
      cookie ? { cookie } : {},
    );
    // 200: a returning learner's live session (their cookie), 201: a new one.
    if (created.status !== 201 && created.status !== 200)
      throw new Error(
        `session not created: ${created.status} ${JSON.stringify(created.body)}${this.logAbout(created.body)}`,
      );
    const { id, token } = created.body as { id: string; token: string };
    for (let i = 0; i < 600; i++) {
      const s = await this.api('GET', `/api/sessions/${id}`, undefined, token);
      if (s.body.state === 'ready') return { id, token };
      if (s.body.state === 'failed') throw new Error(`sandbox failed: ${s.body.failure}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error('sandbox did not become ready');
  }
}
