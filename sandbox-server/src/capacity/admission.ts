import { ApiError, TooManyRequests, forbidden, notFound, unavailable } from '../http/api-error.ts';
import { logger } from '../logger.ts';
import type { SessionManager } from '../sessions/session-manager.ts';
import type { RateLimiter } from './rate-limiter.ts';
import type { WaitingLine, Waiter } from './waiting-line.ts';

export interface AdmissionPolicy {
  /** Live machines per learner cookie; past it, the learner gets their newest one back. */
  perLearner: number;
  /** Machines (live or waiting for) per client address. */
  perAddress: number;
  /** Until two machines have freed up, the guess of how often one does. */
  defaultFreeIntervalMs: number;
  /**
   * Slots kept for learners of running classes (their capacity, less their machines in use):
   * public learners get a machine only while more than that is free. With `maxSessions`.
   */
  reserved?: { slots: () => number; maxSessions: number };
}

/** What `POST /api/sessions` answers: a machine (200 again, 201 new), or a place in line (202). */
export type Admitted =
  | { status: 200 | 201; record: { id: string; expiresAt: number; machines: number }; token: string }
  | { status: 202; ticket: string; position: number; estimatedWaitSeconds: number };

/** How many recent frees the wait estimate averages over. */
const FREES_REMEMBERED = 20;

/**
 * Who gets a machine, and when: per-learner and per-address limits, a rate limit per address, and
 * the waiting line when every slot is taken. Machines that free up go to the line first, in
 * arrival order (class learners first), before anyone who arrives later.
 */
export class Admission {
  private serving: Promise<void> | undefined;
  private readonly frees: number[] = [];

  constructor(
    private readonly sessions: SessionManager,
    private readonly line: WaitingLine,
    private readonly limits: { create: RateLimiter; poll: RateLimiter },
    private readonly policy: AdmissionPolicy,
    private readonly priority: (learner: string | null) => boolean = () => false,
    private readonly now: () => number = Date.now,
  ) {
    sessions.onEnded(() => {
      this.frees.push(this.now());
      if (this.frees.length > FREES_REMEMBERED) this.frees.shift();
      void this.serve();
    });
  }

  /** A learner asks for a machine. */
  async request(ask: { lesson: string | null; learner: string | null; address: string }): Promise<Admitted> {
    const { lesson, learner, address } = ask;
    if (learner) {
      // Another tab or a reload: their live machine, or the place they already hold.
      // A lesson with several machines has a session of its own, given back on that lesson only;
      // every other lesson shares the learner's single machines, up to `perLearner`.
      const needs = this.sessions.machinesOf(lesson);
      const live = this.sessions
        .liveOf(learner)
        .filter((r) => r.machines === needs && (needs === 1 || r.lesson === lesson));
      const sameLesson = live.find((r) => r.lesson === lesson);
      const own = sameLesson ?? (live.length >= this.policy.perLearner ? live[0] : undefined);
      if (own) return { status: 200, ...this.sessions.rejoin(own) };
      const held = this.line.heldBy(learner);
      if (held) return this.poll(held.ticket, learner);
    }
    const wait = this.limits.create.take(address);
    if (wait > 0)
      throw new TooManyRequests(
        `Too many machines were asked for from your network address just now. Try again in ${wait} s.`,
        wait,
      );
    if (this.sessions.countFrom(address) + this.line.countFrom(address) >= this.policy.perAddress)
      throw new TooManyRequests(
        `Your network address already has ${this.policy.perAddress} machines running or on their way, the most one address may have. Close one (or wait for it to end), then try again.`,
        60,
      );

    const priority = this.priority(learner);
    // Nobody waiting ahead (or only public learners, for a class learner): straight to a machine.
    const ahead = priority ? this.line.next()?.priority : this.line.length > 0;
    if (!ahead && this.roomFor(priority)) {
      try {
        const created = await this.sessions.create(lesson, learner, address);
        return { status: created.rejoined ? 200 : 201, record: created.record, token: created.token };
      } catch (err) {
        // Taken meanwhile by someone else: wait in line like everyone.
        if (!(err instanceof ApiError && err.status === 503 && !this.roomFor(priority))) throw err;
      }
    }
    if (this.line.full)
      throw unavailable('Every machine is in use and the line for one is full. Try again in a few minutes.');
    const waiter = this.line.join({ lesson, learner, address, priority });
    logger.info({ position: this.line.position(waiter), address }, 'learner joined the line for a machine');
    return this.placeOf(waiter);
  }

  /**
   * A waiting learner calls again with their ticket: their place, or their machine once it is
   * theirs. `learner` is the cookie the call came with, if any: another learner's is refused.
   */
  async poll(ticket: string, learner: string | null): Promise<Admitted> {
    const found = this.line.get(ticket);
    // Lapsed, even if the line has not been served since: serving drops it (and any machine made
    // for it), as for every silent place.
    if (found && this.line.silent(found)) void this.serve();
    if (!found || this.line.silent(found))
      throw notFound(
        'This place in line is unknown or has lapsed (a page that stops asking gives it up). Ask for a machine again.',
      );
    if (found.learner && learner && found.learner !== learner)
      throw forbidden('This place in line is held by someone else.');
    const wait = this.limits.poll.take(found.address);
    if (wait > 0)
      throw new TooManyRequests(`Ask about your place in line less often: try again in ${wait} s.`, wait);
    this.line.seen(found);
    // A machine being made for someone ahead must not hold this call up (the page would miss its
    // next beat): serve in the background; a machine made for this place is picked up next call.
    if (!found.assigned && !found.failed) void this.serve();
    if (found.failed) {
      this.line.remove(found);
      throw unavailable(found.failed);
    }
    if (found.assigned) {
      this.line.remove(found);
      return { status: 201, ...found.assigned };
    }
    return this.placeOf(found);
  }

  /** People waiting for a machine now. */
  get waiting(): number {
    return this.line.length;
  }

  /**
   * Drops places whose holder went away (and the machine made for them, if any), then gives
   * machines to the line, first come first served, while there are any to give.
   */
  serve(): Promise<void> {
    this.serving ??= this.serveLine().finally(() => (this.serving = undefined));
    return this.serving;
  }

  private async serveLine(): Promise<void> {
    for (const gone of this.line.dropSilent()) {
      logger.info(
        { address: gone.address, assigned: Boolean(gone.assigned) },
        'a waiting learner left the line',
      );
      if (gone.assigned)
        await this.sessions
          .destroy(gone.assigned.record.id)
          .catch((err: unknown) =>
            logger.error({ err }, 'the machine of a learner who left could not be removed'),
          );
    }
    for (let next = this.line.next(); next && this.roomFor(next.priority); next = this.line.next()) {
      const waiter: Waiter = next;
      try {
        const created = await this.sessions.create(waiter.lesson, waiter.learner, waiter.address);
        waiter.assigned = { record: created.record, token: created.token };
        logger.info({ sessionId: created.record.id }, 'a machine went to the first in line');
      } catch (err) {
        if (err instanceof ApiError && err.status === 503 && !this.roomFor(waiter.priority)) return;
        waiter.failed =
          err instanceof ApiError ? err.message : 'Your machine could not be started. Ask for one again.';
      }
    }
  }

  /** Whether a machine can go to this learner now: class learners may use the reserved slots. */
  private roomFor(priority: boolean): boolean {
    if (!this.sessions.canStart()) return false;
    const reserved = this.policy.reserved;
    if (priority || !reserved) return true;
    // Proofs' machines hold slots as sessions do.
    return this.sessions.machinesInUse() + reserved.slots() < reserved.maxSessions;
  }

  private placeOf(waiter: Waiter): Admitted {
    const position = this.line.position(waiter);
    return {
      status: 202,
      ticket: waiter.ticket,
      position,
      estimatedWaitSeconds: Math.ceil((position * this.freeIntervalMs()) / 1000),
    };
  }

  /** The mean time between two machines freeing up, over the last few. */
  private freeIntervalMs(): number {
    if (this.frees.length < 2) return this.policy.defaultFreeIntervalMs;
    return (this.frees.at(-1)! - this.frees[0]!) / (this.frees.length - 1);
  }
}
