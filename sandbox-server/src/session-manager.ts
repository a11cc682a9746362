import crypto from 'node:crypto';
import { forbidden, notFound, unauthorized, unavailable } from './api-error.ts';
import { logger } from './logger.ts';
import type { SandboxLimits, SandboxRuntime } from './sandbox-runtime.ts';
import type { SessionRecord, SessionStore } from './session-store.ts';

export type SessionState = 'starting' | 'ready' | 'failed';

export interface SessionPolicy {
  ttlMs: number;
  idleMs: number;
  maxSessions: number;
  limits: SandboxLimits;
  readyTimeoutMs: number;
  /** Sandboxes kept booted and waiting for a session, so a learner gets a prompt at once. */
  poolSize?: number;
}

/** After a pool sandbox fails to start, wait this long before trying again. */
const POOL_RETRY_MS = 30_000;

const hashToken = (token: string) => crypto.createHash('sha256').update(token).digest('hex');
/** Activity is written to disk at most this often per session. */
const TOUCH_EVERY_MS = 10_000;

/**
 * Owns sessions: creates a sandbox per session, checks tokens, keeps the idle clock, reaps expired
 * sessions with everything they own, and on start-up adopts or removes what a previous run left.
 */
export class SessionManager {
  private readonly states = new Map<string, SessionState>();
  private readonly ready = new Map<string, Promise<void>>();
  private readonly failures = new Map<string, string>();
  private reaping = false;
  /** Sandboxes being started again after they stopped, so concurrent callers share one start. */
  private readonly reviving = new Map<string, Promise<void>>();
  /** Warm sandboxes, ready and owned by no session yet; their ids become session ids. */
  private readonly pool: string[] = [];
  private poolStarting = 0;
  private poolRetryAt = 0;
  private poolStopped = false;

  constructor(
    private readonly store: SessionStore,
    private readonly runtime: SandboxRuntime,
    private readonly policy: SessionPolicy,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Creates a session and its sandbox for a learner (their cookie id, if known); answers once the
   * sandbox is started (its engine may still boot).
   */
  async create(
    lesson: string | null,
    learner: string | null = null,
  ): Promise<{ record: SessionRecord; token: string }> {
    if (this.store.count() >= this.policy.maxSessions) {
      throw unavailable('Every sandbox slot is in use right now. Try again in a few minutes.');
    }
    const warm = this.pool.shift();
    const id = warm ?? crypto.randomBytes(8).toString('hex');
    const token = crypto.randomBytes(16).toString('base64url');
    const at = this.now();
    const record: SessionRecord = {
      id,
      tokenHash: hashToken(token),
      lesson,
      learner,
      createdAt: at,
      expiresAt: at + this.policy.ttlMs,
      lastSeenAt: at,
    };
    this.store.insert(record);
    if (warm) {
      this.states.set(id, 'ready');
      this.ready.set(id, Promise.resolve());
      logger.info({ sessionId: id, pooled: this.pool.length }, 'session took a warm sandbox');
      this.fillPool();
      return { record, token };
    }
    this.states.set(id, 'starting');
    try {
      await this.runtime.create(id, this.policy.limits);
    } catch (err) {
      this.store.delete(id);
      this.states.delete(id);
      await this.runtime.remove(id).catch(() => undefined);
      logger.error({ sessionId: id, err }, 'sandbox could not be created');
      throw unavailable(`Your sandbox could not be started: ${(err as Error).message}`);
    }
    this.trackReadiness(id);
    return { record, token };
  }

  /** Starts warm sandboxes until the pool is full (within maxSessions); failures back off. */
  fillPool(): void {
    const size = this.policy.poolSize ?? 0;
    while (
      !this.poolStopped &&
      this.pool.length + this.poolStarting < size &&
      this.store.count() + this.pool.length + this.poolStarting < this.policy.maxSessions &&
      this.now() >= this.poolRetryAt
    ) {
      const id = crypto.randomBytes(8).toString('hex');
      this.poolStarting++;
      const started = this.now();
      this.runtime
        .create(id, this.policy.limits)
        .then(() => this.runtime.waitUntilReady(id, this.policy.readyTimeoutMs))
        .then(
          async () => {
            this.poolStarting--;
            if (this.poolStopped) return this.runtime.remove(id);
            this.pool.push(id);
            logger.info(
              { sandbox: id, ms: this.now() - started, pooled: this.pool.length },
              'warm sandbox ready',
            );
          },
          async (err: Error) => {
            this.poolStarting--;
            this.poolRetryAt = this.now() + POOL_RETRY_MS;
            logger.error({ sandbox: id, err }, 'a warm sandbox failed to start');
            await this.runtime.remove(id).catch(() => undefined);
          },
        )
        .catch((err: unknown) => logger.error({ sandbox: id, err }, 'warm sandbox bookkeeping failed'));
    }
  }

  /** Warm sandboxes ready now, and how many are booting. */
  poolStatus(): { ready: number; starting: number; size: number } {
    return { ready: this.pool.length, starting: this.poolStarting, size: this.policy.poolSize ?? 0 };
  }

  /** Removes the warm sandboxes (on shutdown: they belong to nobody, nothing would adopt them). */
  async drainPool(): Promise<void> {
    this.poolStopped = true;
    const ids = this.pool.splice(0);
    await Promise.all(ids.map((id) => this.runtime.remove(id).catch(() => undefined)));
  }

  private trackReadiness(id: string): void {
    const started = this.now();
    const promise = this.runtime.waitUntilReady(id, this.policy.readyTimeoutMs).then(
      () => {
        this.states.set(id, 'ready');
        logger.info({ sessionId: id, ms: this.now() - started }, 'sandbox ready');
      },
      (err: Error) => {
        this.states.set(id, 'failed');
        this.failures.set(id, err.message);
        logger.error({ sessionId: id, err }, 'sandbox failed to become ready');
        throw err;
      },
    );
    promise.catch(() => undefined);
    this.ready.set(id, promise);
  }

  /** Resolves when the session's sandbox engine answers; rejects with the reason it failed. */
  whenReady(id: string): Promise<void> {
    return this.ready.get(id) ?? Promise.reject(new Error('This session has no sandbox.'));
  }

  record(id: string): SessionRecord | undefined {
    return this.store.get(id);
  }

  /**
   * Resolves when the session's sandbox is up. A machine that stopped (the learner powered it off,
   * or it crashed) is started again, with its files; callers meanwhile wait for the one start.
   */
  async ensureRunning(id: string): Promise<void> {
    await this.whenReady(id);
    if (await this.runtime.isRunning(id)) return;
    let revival = this.reviving.get(id);
    if (!revival) {
      logger.warn({ sessionId: id }, 'sandbox found stopped; starting it again');
      this.states.set(id, 'starting');
      revival = this.runtime
        .start(id)
        .then(() => {
          this.trackReadiness(id);
          return this.whenReady(id);
        })
        .finally(() => this.reviving.delete(id));
      this.reviving.set(id, revival);
    }
    await revival;
  }

  /** Resolves when the sandbox is running and ready; a 503 ApiError saying why when it will not be. */
  async requireReady(id: string): Promise<void> {
    await this.ensureRunning(id).catch((err: Error) => {
      throw unavailable(
        `Your machine is not running: ${err.message} Start a new session (reload the page) to get a fresh one.`,
      );
    });
  }

  state(id: string): SessionState {
    return this.states.get(id) ?? 'failed';
  }

  failure(id: string): string | undefined {
    return this.failures.get(id);
  }

  /** Finds a live session and checks its token: 404 unknown or expired, 401 missing, 403 wrong. */
  authorize(id: string, token: string | undefined): SessionRecord {
    const record = this.store.get(id);
    if (!record || this.isExpired(record))
      throw notFound(`There is no session "${id}" (it may have expired).`);
    if (!token) throw unauthorized('This call needs the session token (Authorization: Bearer <token>).');
    const given = Buffer.from(hashToken(token), 'hex');
    const expected = Buffer.from(record.tokenHash, 'hex');
    if (!crypto.timingSafeEqual(given, expected)) throw forbidden('This token does not open this session.');
    this.touch(record);
    return record;
  }

  /** Pushes the idle timeout back. */
  touch(record: SessionRecord): void {
    const at = this.now();
    if (at - record.lastSeenAt >= TOUCH_EVERY_MS) {
      record.lastSeenAt = at;
      this.store.touch(record.id, at);
    }
  }

  idleExpiresAt(record: SessionRecord): number {
    return Math.min(record.expiresAt, record.lastSeenAt + this.policy.idleMs);
  }

  private isExpired(record: SessionRecord): boolean {
    return this.now() >= this.idleExpiresAt(record);
  }

  /** Ends a session: its sandbox, volume and network are gone when this resolves. */
  async destroy(id: string): Promise<void> {
    this.store.delete(id);
    this.states.delete(id);
    this.ready.delete(id);
    this.failures.delete(id);
    await this.runtime.remove(id);
    // A freed slot may let the pool fill again.
    this.fillPool();
  }

  /** Removes every expired or idle session. Returns the ids removed. */
  async reap(): Promise<string[]> {
    if (this.reaping) return [];
    this.reaping = true;
    try {
      const expired = this.store.all().filter((r) => this.isExpired(r));
      for (const r of expired) {
        logger.info({ sessionId: r.id }, 'reaping expired session');
        await this.destroy(r.id).catch((err: unknown) =>
          logger.error({ sessionId: r.id, err }, 'reap failed'),
        );
      }
      return expired.map((r) => r.id);
    } finally {
      this.reaping = false;
      // The reaper's beat also retries a pool that failed to fill.
      this.fillPool();
    }
  }

  /**
   * Reconciles the host with the store after a (re)start: sandboxes of live sessions are adopted,
   * every other Dockyard container, network and volume is removed, and sessions without a
   * sandbox are dropped.
   */
  async recover(): Promise<{ adopted: number; removed: number }> {
    const live = new Map(this.store.all().map((r) => [r.id, r]));
    const found = await this.runtime.list();
    const keep = new Set<string>();
    let removed = 0;
    for (const sandbox of found) {
      const record = live.get(sandbox.sessionId);
      // A live session's stopped sandbox is started again: the learner keeps their files.
      const started =
        record && !this.isExpired(record) && !sandbox.running
          ? await this.runtime.start(sandbox.sessionId).then(
              () => true,
              (err: unknown) => {
                logger.error({ sessionId: sandbox.sessionId, err }, 'a stopped sandbox would not start');
                return false;
              },
            )
          : sandbox.running;
      if (record && started && !this.isExpired(record)) {
        keep.add(sandbox.sessionId);
        this.states.set(sandbox.sessionId, 'starting');
        this.trackReadiness(sandbox.sessionId);
      } else {
        await this.runtime.remove(sandbox.sessionId);
        removed++;
      }
    }
    for (const id of live.keys()) if (!keep.has(id)) this.store.delete(id);
    removed += await this.runtime.removeOrphans(keep);
    logger.info({ adopted: keep.size, removed }, 'recovered sandboxes from a previous run');
    return { adopted: keep.size, removed };
  }
}
