import crypto from 'node:crypto';
import { ExpiringMap } from '../expiring-map.ts';
import { ApiError, badRequest, forbidden, notFound, unauthorized, unavailable } from '../http/api-error.ts';
import { sameSecret } from '../http/same-secret.ts';
import { logger, logReference } from '../logger.ts';
import type { ExecOptions, ExecResult, Sandbox } from '../../../engine/src/sandbox.ts';
import {
  CommandTimeoutError,
  FIRST_MACHINE,
  SandboxStoppedError,
  type SandboxLimits,
  type SandboxRuntime,
} from '../runtime/sandbox-runtime.ts';
import { isLive, statesLeadingTo, type SessionState } from './session-lifecycle.ts';
import type { SessionRecord, SessionStore } from './session-store.ts';
import { WarmPool } from './warm-pool.ts';

export type { SessionState } from './session-lifecycle.ts';

export interface SessionPolicy {
  ttlMs: number;
  idleMs: number;
  /** The idle timeout while people wait for a machine (see `setPressure`); `idleMs` when unset. */
  idleBusyMs?: number;
  maxSessions: number;
  limits: SandboxLimits;
  readyTimeoutMs: number;
  /** Sandboxes kept booted and waiting for a session, so a learner gets a prompt at once. */
  poolSize?: number;
}

const hashToken = (token: string) => crypto.createHash('sha256').update(token).digest('hex');
const newToken = () => crypto.randomBytes(16).toString('base64url');
/** How long a machine that a command found going down may take to stop. */
const STOP_SETTLE_MS = 20_000;
/** Activity is written to disk at most this often per session. */
const TOUCH_EVERY_MS = 10_000;

/** How long, and for how many sessions, the reason a session was ended is kept for its learner. */
const END_NOTICES_KEPT = { ttlMs: 24 * 60 * 60_000, maxEntries: 10_000 };

/** Why a session was (or is about to be) ended for idleness: after how long, and which rule. */
interface IdleEnd {
  idleMs: number;
  othersWaiting: boolean;
}

/** What a learner coming back to a machine stopped for idleness is told. */
function stoppedIdle({ idleMs, othersWaiting }: IdleEnd): string {
  const minutes = Number((idleMs / 60_000).toFixed(2));
  return (
    `Your machine was stopped after ${minutes} minute${minutes === 1 ? '' : 's'} without use` +
    `${othersWaiting ? ' (others were waiting for one)' : ''}. Its files are gone; your progress ` +
    'and your hub images are kept. A fresh machine is starting.'
  );
}

/**
 * Why a session was ended, told to its learner when they come back (`404` with this code and
 * sentence): `session_idle` for idleness, `class_ended` when their class ended.
 */
export interface EndNotice {
  code: string;
  message: string;
}

/** What a caller is told when the session it waits on was ended meanwhile. */
const ENDED = 'This session has ended.';

/** What a learner is told when their machine would not start or could not be reached. */
const didNotStart = (id: string) => `The machine did not start ${logReference(id)}.`;

/** An instructor extends a session by this many minutes at a time, at least and at most. */
export const MIN_EXTEND_MINUTES = 1;
export const MAX_EXTEND_MINUTES = 240;

/** An error whose message is written for the learner: it carries no runtime text. */
export class MachineError extends Error {}

/**
 * A machine that belongs to no session, for proving an instructor's class lesson (see
 * `SessionManager.proofMachine`).
 */
export interface ProofMachine {
  id: string;
  /** Runs commands in it; what the runtime says when it cannot is logged, not passed on. */
  sandbox: Sandbox;
  /** Removes it (idempotent); its slot is free once this resolves. */
  remove: () => Promise<void>;
}

/**
 * Owns sessions: creates a sandbox per session, checks tokens, keeps the idle clock, reaps expired
 * sessions with everything they own, and on start-up adopts or removes what a previous run left.
 * A session's state lives on its row (session-lifecycle.ts); the only thing kept here is the
 * promise of the boot or restart in flight, which callers wait on.
 */
export class SessionManager {
  /** Per session: settles when its current boot (or restart after a poweroff) is over. */
  private readonly boots = new Map<string, Promise<void>>();
  private readonly pool: WarmPool;
  private reaping = false;
  private readonly endedListeners: ((id: string) => void)[] = [];
  /** Whether people are waiting for a machine: idle sessions are then reaped sooner. */
  private underPressure: () => boolean = () => false;
  /** How many machines a lesson asks for (its frontmatter's `machines`); 1 for any other. */
  private machinesFor: (lesson: string | null) => number = () => 1;
  /** Warm sandboxes wanted on top of `poolSize` now (classes about to start or running). */
  private poolExtra: () => number = () => 0;
  private lastPoolExtra = 0;
  /** Sessions ended for a reason their learner is told when they come back (idleness, a class's end). */
  private readonly endNotices: ExpiringMap<string, EndNotice>;
  /** Proof machines on the host (booting, in use, or whose removal failed and is retried). */
  private readonly proofMachines = new Set<string>();
  /** Sessions ended because their cluster member went down, whose machines are not removed yet. */
  private readonly stranded = new Set<string>();
  /** Sessions being removed now: a second destroy (the reaper's beat, a DELETE) waits for it. */
  private readonly removals = new Map<string, Promise<void>>();
  /** Proof machines whose removal failed: the reaper's beat tries again. */
  private readonly proofLeftovers = new Set<string>();

  constructor(
    private readonly store: SessionStore,
    private readonly runtime: SandboxRuntime,
    private readonly policy: SessionPolicy,
    private readonly now: () => number = Date.now,
  ) {
    this.pool = new WarmPool(
      runtime,
      { size: policy.poolSize ?? 0, limits: policy.limits, readyTimeoutMs: policy.readyTimeoutMs },
      now,
    );
    this.endNotices = new ExpiringMap(END_NOTICES_KEPT, now);
  }

  /** Tells the manager how to learn whether people wait for a machine (the waiting line's length). */
  setPressure(underPressure: () => boolean): void {
    this.underPressure = underPressure;
  }

  /** Tells the manager how many machines a lesson asks for, so its sessions get them all. */
  setMachinesFor(machinesFor: (lesson: string | null) => number): void {
    this.machinesFor = machinesFor;
  }

  /** How many machines a session of this lesson has (1 unless its frontmatter asks for more). */
  machinesOf(lesson: string | null): number {
    return Math.max(1, this.machinesFor(lesson));
  }

  /**
   * Tells the manager how many warm sandboxes to keep on top of `poolSize`, asked each time the pool
   * is filled (a session starts or ends, the reaper's beat): the classes' pre-warm.
   */
  setPoolExtra(extra: () => number): void {
    this.poolExtra = extra;
  }

  /**
   * The one capacity rule, for sessions and the pool alike: every sandbox on the host (a session's,
   * or a warm one waiting) counts, and there are at most `maxSessions`.
   */
  private hasRoom(machines = 1): boolean {
    return this.machinesInUse() + this.pool.held + machines <= this.policy.maxSessions;
  }

  /**
   * Machines that are someone's: sessions' (ending ones included) and proofs' (not the warm pool's).
   * Not those on a cluster member that went down: they take no room on the members that are up.
   */
  machinesInUse(): number {
    const stranded = [...this.stranded].reduce((sum, id) => sum + (this.store.get(id)?.machines ?? 0), 0);
    return this.store.machineCount() - stranded + this.proofMachines.size;
  }

  /** Whether a sandbox is someone's: a session's (ending ones included), a proof's, or the pool's. */
  owns(id: string): boolean {
    return this.store.get(id) !== undefined || this.proofMachines.has(id) || this.pool.holds(id);
  }

  /**
   * A fresh machine for proving an instructor's class lesson: a warm one if the pool has one
   * ready, else one booted now. It belongs to no session, so no token opens it and no learner is
   * ever given it, and the pool never gets it back; it counts against `maxSessions` like any
   * machine until `remove` resolves. A 503 when there is no room, a MachineError (its cause
   * logged) when it does not start.
   */
  async proofMachine(): Promise<ProofMachine> {
    const warm = this.pool.take();
    if (!warm && !this.hasRoom())
      throw unavailable('Every machine is in use right now: prove it again in a few minutes.');
    const id = warm ?? crypto.randomBytes(8).toString('hex');
    this.proofMachines.add(id);
    const remove = () => this.removeProofMachine(id);
    if (warm) {
      logger.info({ sandbox: id }, 'a proof took a warm sandbox');
      // The pool took one less: it boots another into the room left.
      this.fillPool();
    } else {
      try {
        await this.runtime.create(id, this.policy.limits);
        await this.runtime.waitUntilReady(id, this.policy.readyTimeoutMs);
      } catch (err) {
        logger.error({ sandbox: id, err }, 'a proof machine did not start');
        await remove().catch(() => undefined);
        throw new MachineError(`The machine for the proof did not start ${logReference(id)}.`);
      }
      if (!this.proofMachines.has(id)) {
        // Removed (the server is stopping) while it booted: it must not outlive that.
        await this.runtime.remove(id).catch(() => undefined);
        throw new MachineError('The server is stopping: the proof did not get its machine.');
      }
    }
    const exec = (script: string, options?: ExecOptions): Promise<ExecResult> =>
      this.runtime.exec(id, script, options).catch((err: unknown) => {
        if (err instanceof CommandTimeoutError) throw err;
        if (err instanceof SandboxStoppedError)
          throw new MachineError('The machine had stopped (did a script shut it down?).');
        logger.error({ sandbox: id, err }, 'a command could not be run in a proof machine');
        throw new MachineError(`The machine could not run the command ${logReference(id)}.`);
      });
    return { id, sandbox: { exec }, remove };
  }

  /** Removes a proof machine; should that fail, it keeps its slot and the reaper's beat tries again. */
  private async removeProofMachine(id: string): Promise<void> {
    if (!this.proofMachines.has(id)) return;
    try {
      await this.runtime.remove(id);
      this.proofMachines.delete(id);
      this.proofLeftovers.delete(id);
      logger.info({ sandbox: id }, 'proof machine removed');
    } catch (err) {
      this.proofLeftovers.add(id);
      logger.error({ sandbox: id, err }, 'a proof machine could not be removed; the reaper tries again');
      throw err;
    } finally {
      // A freed slot may let the pool fill again.
      this.fillPool();
    }
  }

  /** Removes every proof machine (on shutdown: nothing would finish their proofs). */
  async removeProofMachines(): Promise<void> {
    await Promise.all(
      [...this.proofMachines].map((id) => this.removeProofMachine(id).catch(() => undefined)),
    );
  }

  /**
   * Opens a session for a learner (their cookie id, if known) and answers once its sandbox is
   * started (its engine may still boot). A learner who already has a live session on that lesson
   * gets it back, with a token of its own: a second tab or a double click boots no second machine.
   */
  async create(
    lesson: string | null,
    learner: string | null = null,
    address: string | null = null,
  ): Promise<{ record: SessionRecord; token: string; rejoined: boolean }> {
    const existing = learner ? this.store.liveFor(learner, lesson) : undefined;
    if (existing && !this.isExpired(existing)) return this.rejoin(existing);
    const token = newToken();
    // A lesson with several machines boots them for its session (the warm pool holds single
    // machines), and each counts against `maxSessions`.
    const machines = this.machinesOf(lesson);
    const several = machines > 1;
    const warm = several ? undefined : this.pool.take();
    const claimed = several || warm || this.hasRoom() ? undefined : this.pool.claimBooting();
    if (!warm && !claimed && !this.hasRoom(machines))
      throw unavailable(
        several
          ? `This lesson needs ${machines} machines, and there are not that many free right now. Try again in a few minutes.`
          : 'Every sandbox slot is in use right now. Try again in a few minutes.',
      );
    const id = warm ?? claimed?.id ?? crypto.randomBytes(8).toString('hex');
    const at = this.now();
    const record: SessionRecord = {
      id,
      tokenHash: hashToken(token),
      lesson,
      learner,
      address,
      createdAt: at,
      expiresAt: at + this.policy.ttlMs,
      lastSeenAt: at,
      state: warm ? 'ready' : 'starting',
      failure: null,
      machines,
    };
    this.store.insert(record);

    if (warm) {
      this.boots.set(id, Promise.resolve());
      logger.info({ sessionId: id, pool: this.pool.status() }, 'session took a warm sandbox');
    } else if (claimed) {
      this.track(id, claimed.done);
      logger.info({ sessionId: id }, 'session took a warm sandbox still booting');
    } else {
      await this.boot(id, machines);
    }
    this.fillPool();
    return { record, token, rejoined: false };
  }

  /** Makes a starting session's machines, and follows their boot; a 503 when they cannot be made. */
  private async boot(id: string, machines: number): Promise<void> {
    try {
      await this.runtime.create(id, this.policy.limits, machines);
    } catch (err) {
      logger.error({ sessionId: id, err }, 'sandbox could not be created');
      await this.destroy(id).catch(() => undefined);
      throw unavailable(`Your sandbox could not be started ${logReference(id)}. Try again in a minute.`);
    }
    if (this.state(id) !== 'starting') {
      // Ended (DELETE, reaper) while the machine was being made: it must not outlive the session.
      await this.runtime.remove(id).catch(() => undefined);
      throw unavailable(`${ENDED} Start a new one (reload the page).`);
    }
    this.track(id, this.runtime.waitUntilReady(id, this.policy.readyTimeoutMs));
  }

  /** The names of a live session's machines (node1…); a 400 naming them for any other name. */
  requireMachine(id: string, machine: string | null | undefined): string {
    const count = this.requireLive(id).machines;
    if (machine === null || machine === undefined || machine === '') return FIRST_MACHINE;
    if (!/^node[1-9]$/.test(machine) || Number(machine.slice(4)) > count)
      throw badRequest(
        `There is no machine "${machine.slice(0, 40)}" in this session: it has ${count === 1 ? 'node1 only' : `node1 to node${count}`}.`,
        'machine',
      );
    return machine;
  }

  /** Gives a learner their live session again, with a token of its own (another tab, a reload). */
  rejoin(record: SessionRecord): { record: SessionRecord; token: string; rejoined: true } {
    const token = newToken();
    this.store.addToken(record.id, hashToken(token));
    this.touch(record, true);
    logger.info({ sessionId: record.id }, 'learner rejoined their live session');
    return { record, token, rejoined: true };
  }

  /** The learner's live (not expired) sessions, newest first. */
  liveOf(learner: string): SessionRecord[] {
    return this.store.liveOf(learner).filter((r) => !this.isExpired(r));
  }

  /** Sessions not yet ended that this client address asked for. */
  countFrom(address: string): number {
    return this.store.countFrom(address);
  }

  /** Sessions that hold a machine or are ending (not the warm pool's). */
  count(): number {
    return this.store.count();
  }

  /** Whether a new session would get a machine now (a warm one, or room to boot one). */
  canStart(): boolean {
    const pool = this.pool.status();
    return pool.ready > 0 || pool.starting > 0 || this.hasRoom();
  }

  /**
   * Aims the pool at `poolSize` plus the extra wanted now (never more than `maxSessions`): boots warm
   * sandboxes into the room the capacity rule leaves, and removes ready ones no longer wanted.
   */
  fillPool(): void {
    try {
      this.lastPoolExtra = Math.max(0, Math.floor(this.poolExtra()));
    } catch (err) {
      // The last count stands: warm sandboxes are not dropped for a passing error.
      logger.error({ err }, 'the extra warm sandboxes wanted could not be counted');
    }
    const target = Math.min(this.policy.maxSessions, (this.policy.poolSize ?? 0) + this.lastPoolExtra);
    this.pool.fill(() => this.hasRoom(), target);
  }

  /** Warm sandboxes ready now, and how many are booting. */
  poolStatus(): { ready: number; starting: number; size: number } {
    return this.pool.status();
  }

  /** Removes the warm sandboxes (on shutdown: they belong to nobody, nothing would adopt them). */
  drainPool(): Promise<void> {
    return this.pool.drain();
  }

  /**
   * Follows a boot of a `starting` session to `ready` or `failed`. A session that left `starting`
   * meanwhile (it was destroyed) stays where it is: the boot's end changes nothing.
   */
  private track(id: string, boot: Promise<void>): void {
    const started = this.now();
    const done = boot.then(
      () => {
        if (!this.store.setState(id, ['starting'], 'ready')) throw new MachineError(ENDED);
        logger.info({ sessionId: id, ms: this.now() - started }, 'sandbox ready');
      },
      (err: Error) => {
        // The row keeps the learner's sentence; the runtime's text goes to the log.
        if (!this.store.setState(id, ['starting'], 'failed', didNotStart(id))) throw new MachineError(ENDED);
        logger.error({ sessionId: id, err }, 'sandbox failed to become ready');
        throw new MachineError(didNotStart(id));
      },
    );
    done.catch(() => undefined);
    this.boots.set(id, done);
  }

  /** Resolves when the session's sandbox engine answers; rejects with a MachineError saying why it will not. */
  whenReady(id: string): Promise<void> {
    const record = this.store.get(id);
    if (record?.state === 'failed')
      return Promise.reject(new MachineError(record.failure ?? 'The machine failed.'));
    if (!record || !isLive(record.state)) return Promise.reject(new MachineError(ENDED));
    return this.boots.get(id) ?? Promise.reject(new MachineError('This session has no sandbox.'));
  }

  record(id: string): SessionRecord | undefined {
    return this.store.get(id);
  }

  /**
   * Resolves when the session's sandbox is up. A machine that stopped (the learner powered it off,
   * or it crashed) is started again, with its files; callers meanwhile wait for the one start.
   * Rejects only with a MachineError: what the runtime said is logged, not passed on.
   */
  async ensureRunning(id: string, options: { wentDownDuring?: Promise<void> } = {}): Promise<void> {
    try {
      await this.bringUp(id, options);
    } catch (err) {
      if (err instanceof MachineError) throw err;
      logger.error({ sessionId: id, err }, 'the machine could not be checked or started');
      throw new MachineError(didNotStart(id));
    }
  }

  private async bringUp(id: string, options: { wentDownDuring?: Promise<void> }): Promise<void> {
    await this.whenReady(id);
    // A command found the machine going down during this boot: it may still say it runs for a
    // moment. (If it was started again since, there is nothing to wait for.)
    const boot = options.wentDownDuring;
    if (boot) await this.untilStopped(id, boot);
    if (await this.runtime.isRunning(id)) return;
    // One caller moves ready → starting and restarts it; the others wait for that restart.
    if (this.store.setState(id, ['ready'], 'starting')) {
      logger.warn({ sessionId: id }, 'sandbox found stopped; starting it again');
      this.track(
        id,
        this.runtime.start(id).then(() => this.runtime.waitUntilReady(id, this.policy.readyTimeoutMs)),
      );
    }
    await this.whenReady(id);
  }

  /**
   * Restarts a ready session's machine (stop, then start): its files are kept, its shell and
   * running containers are not. Resolves once it is ready again, else rejects with a MachineError
   * saying why; a machine that is starting already is a 409.
   */
  async restart(id: string): Promise<void> {
    this.requireLive(id);
    if (!this.store.setState(id, ['ready'], 'starting'))
      throw new ApiError(409, 'busy', 'This machine is starting already: try again once it is ready.');
    logger.info({ sessionId: id }, 'restarting sandbox');
    this.track(
      id,
      this.runtime
        .stop(id)
        .then(() => this.runtime.start(id))
        .then(() => this.runtime.waitUntilReady(id, this.policy.readyTimeoutMs)),
    );
    await this.whenReady(id);
  }

  /**
   * Gives a live session `minutes` more before it ends (from its end, or from now if that is
   * sooner), and counts as activity, so it does not go idle at once. Answers the new end.
   */
  extend(id: string, minutes: number): number {
    if (!Number.isInteger(minutes) || minutes < MIN_EXTEND_MINUTES || minutes > MAX_EXTEND_MINUTES)
      throw badRequest(
        `Field "minutes" must be a whole number from ${MIN_EXTEND_MINUTES} to ${MAX_EXTEND_MINUTES}.`,
        'minutes',
      );
    const record = this.requireLive(id);
    const expiresAt = Math.max(record.expiresAt, this.now()) + minutes * 60_000;
    this.store.setExpiresAt(id, expiresAt);
    this.touch(record, true);
    logger.info({ sessionId: id, minutes, expiresAt }, 'session extended');
    return expiresAt;
  }

  /** Waits (a bounded while) until a machine on its way down has stopped. */
  private async untilStopped(id: string, boot: Promise<void>): Promise<void> {
    const deadline = Date.now() + STOP_SETTLE_MS;
    while (this.boots.get(id) === boot && (await this.runtime.isRunning(id)) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
  }

  /**
   * The session's machine as the engine sees it: a command that finds the machine stopped (a
   * `sudo poweroff`, a crash) has it started again, files kept, and runs once more.
   */
  sandbox(id: string, machine: string = FIRST_MACHINE): Sandbox {
    // What the runtime says when it cannot run a command at all goes to the log; the check that
    // asked gets a sentence with the reference.
    const run = (script: string, options?: ExecOptions): Promise<ExecResult> =>
      this.runtime.exec(id, script, { ...options, machine }).catch((err: unknown) => {
        if (err instanceof SandboxStoppedError || err instanceof CommandTimeoutError) throw err;
        logger.error({ sessionId: id, err }, 'a command could not be run in the machine');
        throw new MachineError(`Your machine could not run the command ${logReference(id)}.`);
      });
    const exec = async (script: string, options?: ExecOptions): Promise<ExecResult> => {
      const boot = this.boots.get(id);
      try {
        return await run(script, options);
      } catch (err) {
        if (!(err instanceof SandboxStoppedError) || !boot) throw err;
        logger.warn({ sessionId: id, err }, 'a command found the machine stopped; starting it again');
        await this.requireReady(id, { wentDownDuring: boot });
        return run(script, options);
      }
    };
    // Another machine of the session (a lesson with several), for checks and scripts that name it.
    return { exec, machine: (name: string) => this.sandbox(id, this.requireMachine(id, name)) };
  }

  /** Resolves when the sandbox is running and ready; a 503 ApiError saying why when it will not be. */
  async requireReady(id: string, options: { wentDownDuring?: Promise<void> } = {}): Promise<void> {
    await this.ensureRunning(id, options).catch((err: Error) => {
      throw unavailable(
        `Your machine is not running: ${err.message} Start a new session (reload the page) to get a fresh one.`,
      );
    });
  }

  /** Where the session is in its life; `gone` once it has ended. */
  state(id: string): SessionState {
    return this.store.get(id)?.state ?? 'gone';
  }

  failure(id: string): string | undefined {
    return this.store.get(id)?.failure ?? undefined;
  }

  /** Finds a live session and checks its token: 404 unknown, ended or expired, 401 missing, 403 wrong. */
  authorize(id: string, token: string | undefined): SessionRecord {
    const record = this.requireLive(id);
    if (!token) throw unauthorized('This call needs the session token (Authorization: Bearer <token>).');
    const given = hashToken(token);
    // Every hash is compared, so the time taken does not tell which one (or none) matched.
    let matched = false;
    for (const hash of this.store.tokenHashes(id)) matched = sameSecret(given, hash) || matched;
    if (!matched) throw forbidden('This token does not open this session.');
    this.touch(record);
    return record;
  }

  /**
   * The session's record; a 404 when it is unknown, ending or expired (with the code and sentence
   * of its `EndNotice` when it was ended for a reason its learner is told). Checks no token.
   */
  requireLive(id: string): SessionRecord {
    const record = this.store.get(id);
    if (!record || record.state === 'stopping' || this.isExpired(record)) {
      // Ended for a reason the learner is told (reaped for idleness, their class ended), or past its
      // idle timeout and about to be.
      const told = this.endNotices.get(id);
      if (told) throw new ApiError(404, told.code, told.message);
      const idle = record?.state === 'stopping' ? undefined : record && this.idleEnd(record);
      if (idle) throw new ApiError(404, 'session_idle', stoppedIdle(idle));
      throw notFound(`There is no session "${id}" (it may have expired).`);
    }
    return record;
  }

  /** Pushes the idle timeout back (written at most every few seconds, unless `now`). */
  touch(record: SessionRecord, now = false): void {
    const at = this.now();
    if (now || at - record.lastSeenAt >= TOUCH_EVERY_MS) {
      record.lastSeenAt = at;
      this.store.touch(record.id, at);
    }
  }

  /** The idle timeout that applies now: shorter while people wait for a machine. */
  private idleMs(): number {
    const { idleMs, idleBusyMs } = this.policy;
    return this.underPressure() ? Math.min(idleBusyMs ?? idleMs, idleMs) : idleMs;
  }

  idleExpiresAt(record: SessionRecord): number {
    return Math.min(record.expiresAt, record.lastSeenAt + this.idleMs());
  }

  /** Why the session is past its idle timeout (before its TTL), if it is. */
  private idleEnd(record: SessionRecord): IdleEnd | undefined {
    const idleMs = this.idleMs();
    const idleUntil = record.lastSeenAt + idleMs;
    if (this.now() < idleUntil || idleUntil >= record.expiresAt) return undefined;
    // The shorter rule is named only when the usual one would have kept the machine.
    const othersWaiting = this.now() < record.lastSeenAt + this.policy.idleMs;
    return { idleMs: othersWaiting ? idleMs : this.policy.idleMs, othersWaiting };
  }

  private isExpired(record: SessionRecord): boolean {
    return this.now() >= this.idleExpiresAt(record);
  }

  /**
   * Ends a session whose machine sits on a cluster member that is down: its learner is told why,
   * and its machine no longer counts against `maxSessions` (else a member going down with a
   * hundred machines would keep a hundred places from the learners starting again elsewhere).
   * Its row stays `stopping` until the member answers and the reaper removes the machine.
   */
  async endStranded(id: string, notice: EndNotice): Promise<void> {
    this.stranded.add(id);
    await this.destroy(id, notice);
  }

  /** Calls `listener` with a session's id once it has ended (its machine removed, its row gone). */
  onEnded(listener: (id: string) => void): void {
    this.endedListeners.push(listener);
  }

  /**
   * Ends a session: its sandbox, volume and network are gone when this resolves. It wins over a
   * boot or restart in flight: those end without bringing the session back. With `notice`, the
   * learner who comes back to it is told why.
   */
  async destroy(id: string, notice?: EndNotice): Promise<void> {
    if (!this.store.get(id)) return;
    if (notice) this.endNotices.set(id, notice);
    // One removal at a time: the reaper's beat once found a session `stopping` while its DELETE was
    // removing it, and Incus refused the second removal ("A matching non-reusable operation has
    // now succeeded"), which failed the DELETE.
    const inFlight = this.removals.get(id);
    if (inFlight) return inFlight;
    const removal = this.removeSession(id).finally(() => this.removals.delete(id));
    this.removals.set(id, removal);
    return removal;
  }

  private async removeSession(id: string): Promise<void> {
    this.store.setState(id, statesLeadingTo('stopping'), 'stopping');
    this.boots.delete(id);
    // Should removal fail, the row stays `stopping` and the reaper tries again.
    await this.runtime.remove(id);
    this.store.delete(id);
    this.stranded.delete(id);
    for (const listener of this.endedListeners) listener(id);
    // A freed slot may let the pool fill again.
    this.fillPool();
  }

  /** Removes every expired or idle session, and finishes stopping any that did not. Returns their ids. */
  async reap(): Promise<string[]> {
    if (this.reaping) return [];
    this.reaping = true;
    try {
      for (const id of [...this.proofLeftovers]) await this.removeProofMachine(id).catch(() => undefined);
      const ending = this.store.all().filter((r) => r.state === 'stopping' || this.isExpired(r));
      for (const r of ending) {
        const idle = r.state === 'stopping' ? undefined : this.idleEnd(r);
        if (idle) this.endNotices.set(r.id, { code: 'session_idle', message: stoppedIdle(idle) });
        logger.info({ sessionId: r.id, state: r.state, idle }, 'reaping session');
        await this.destroy(r.id).catch((err: unknown) =>
          logger.error({ sessionId: r.id, err }, 'reap failed'),
        );
      }
      return ending.map((r) => r.id);
    } finally {
      this.reaping = false;
      // The reaper's beat also retries a pool that failed to fill.
      this.fillPool();
    }
  }

  /**
   * Reconciles the host with the store after a (re)start: sandboxes of live sessions are adopted
   * (a stopped one is started again: the learner keeps their files), every other Dockyard
   * sandbox is removed, and sessions without a sandbox, or that were stopping, are dropped.
   */
  async recover(): Promise<{ adopted: number; removed: number }> {
    const live = new Map(this.store.all().map((r) => [r.id, r]));
    const keep = new Set<string>();
    let removed = 0;
    for (const sandbox of await this.runtime.list()) {
      const record = live.get(sandbox.sessionId);
      const adoptable = record && isLive(record.state) && !this.isExpired(record);
      const running =
        adoptable && !sandbox.running
          ? await this.runtime.start(sandbox.sessionId).then(
              () => true,
              (err: unknown) => {
                logger.error({ sessionId: sandbox.sessionId, err }, 'a stopped sandbox would not start');
                return false;
              },
            )
          : sandbox.running;
      if (adoptable && running) {
        keep.add(sandbox.sessionId);
        this.store.setState(sandbox.sessionId, ['ready'], 'starting');
        this.track(
          sandbox.sessionId,
          this.runtime.waitUntilReady(sandbox.sessionId, this.policy.readyTimeoutMs),
        );
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
