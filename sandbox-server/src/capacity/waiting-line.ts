import crypto from 'node:crypto';

/** A machine handed to a waiting learner, kept until their next call picks it up. */
export interface Assigned {
  record: { id: string; expiresAt: number; machines: number };
  token: string;
}

/** One place in the line. The ticket is its bearer secret. */
export interface Waiter {
  ticket: string;
  lesson: string | null;
  learner: string | null;
  address: string;
  /** Class learners go ahead of the public line. */
  priority: boolean;
  joinedAt: number;
  /** The waiter's last call (each call is the heartbeat). */
  lastSeenAt: number;
  assigned?: Assigned;
  /** Set when a machine was made for them but failed: a sentence for the learner. */
  failed?: string;
}

/**
 * The line for a machine when every slot is taken: first in, first out, class learners first.
 * Places are kept only while their holder keeps calling: one silent for `graceMs` is dropped.
 * Kept in memory: a server restart empties it and waiting pages ask again.
 */
export class WaitingLine {
  /** In arrival order; the Map keeps insertion order. */
  private readonly waiters = new Map<string, Waiter>();

  constructor(
    private readonly options: { graceMs: number; maxLength: number },
    private readonly now: () => number = Date.now,
  ) {}

  /** Places not yet given a machine. */
  get length(): number {
    let n = 0;
    for (const w of this.waiters.values()) if (!w.assigned && !w.failed) n++;
    return n;
  }

  get full(): boolean {
    return this.waiters.size >= this.options.maxLength;
  }

  join(place: Pick<Waiter, 'lesson' | 'learner' | 'address' | 'priority'>): Waiter {
    const at = this.now();
    const waiter: Waiter = {
      ...place,
      ticket: crypto.randomBytes(18).toString('base64url'),
      joinedAt: at,
      lastSeenAt: at,
    };
    this.waiters.set(waiter.ticket, waiter);
    return waiter;
  }

  get(ticket: string): Waiter | undefined {
    return this.waiters.get(ticket);
  }

  /** The learner's place, if they already hold one. */
  heldBy(learner: string): Waiter | undefined {
    for (const w of this.waiters.values()) if (w.learner === learner) return w;
    return undefined;
  }

  /** Places held from one client address. */
  countFrom(address: string): number {
    let n = 0;
    for (const w of this.waiters.values()) if (w.address === address && !w.assigned) n++;
    return n;
  }

  seen(waiter: Waiter): void {
    waiter.lastSeenAt = this.now();
  }

  /** 1 for the next to be served. */
  position(waiter: Waiter): number {
    let ahead = 0;
    for (const w of this.waiting()) {
      if (w === waiter) return ahead + 1;
      ahead++;
    }
    return ahead + 1;
  }

  /** Who is served next: the first class learner waiting, else the first in line. */
  next(): Waiter | undefined {
    return this.waiting()[0];
  }

  remove(waiter: Waiter): void {
    this.waiters.delete(waiter.ticket);
  }

  /** Whether the place's holder has been silent past the grace: the place has lapsed. */
  silent(waiter: Waiter): boolean {
    return waiter.lastSeenAt < this.now() - this.options.graceMs;
  }

  /** Removes and answers the places whose holder stopped calling (assigned ones included). */
  dropSilent(): Waiter[] {
    const silent = [...this.waiters.values()].filter((w) => this.silent(w));
    for (const w of silent) this.waiters.delete(w.ticket);
    return silent;
  }

  private waiting(): Waiter[] {
    const open = [...this.waiters.values()].filter((w) => !w.assigned && !w.failed);
    return [...open.filter((w) => w.priority), ...open.filter((w) => !w.priority)];
  }
}
