import type { IncomingMessage, ServerResponse } from 'node:http';
import { openEventStream, StreamLimits, type EventStream } from './event-stream.ts';

/** What the feed needs of the classes: their rosters, whether they are over, and their learners. */
export interface FeedSources {
  /** The class's roster as the instructor sees it (any JSON value). */
  rosterOf: (classId: string) => unknown;
  /** Whether the class is gone, ended or past its end time. */
  isOver: (classId: string) => boolean;
  /** A fingerprint of the class's machines: when it changes, the roster is sent again. */
  machinesOf: (classId: string) => string;
  /** The learners (cookie ids) of the class. */
  learnersOf: (classId: string) => string[];
  /** Whether an instructor's sign-in (the key streams are opened with) still holds; always, if unset. */
  signedIn?: (session: string) => boolean;
}

export interface FeedOptions {
  /** Changes this close together make one roster event. */
  debounceMs: number;
  heartbeatMs: number;
  /** How often machines and class ends are looked at, for classes with an open stream. */
  tickMs: number;
  perInstructorSession: number;
  instructorTotal: number;
  perLearner: number;
  learnerTotal: number;
}

export const FEED_DEFAULTS: FeedOptions = {
  debounceMs: 200,
  heartbeatMs: 15_000,
  tickMs: 1000,
  perInstructorSession: 5,
  instructorTotal: 200,
  perLearner: 3,
  learnerTotal: 2000,
};

/** A broadcast as a learner's page receives it. */
export interface Broadcast {
  message: string;
  at: string;
  className: string;
}

interface ClassWatch {
  streams: Set<EventStream>;
  pending?: NodeJS.Timeout;
  lastSent?: string;
  machines?: string;
}

/**
 * The live side of classes: instructors' roster streams (a full roster as `event: roster` whenever
 * it changes, debounced) and learners' streams (`event: broadcast`), each bounded, with heartbeats.
 */
export class ClassFeed {
  private readonly watches = new Map<string, ClassWatch>();
  private readonly learners = new Map<string, Set<EventStream>>();
  /** Instructors' roster streams by sign-in, so signing out closes them. */
  private readonly signIns = new Map<string, Set<EventStream>>();
  private readonly instructorLimits: StreamLimits;
  private readonly learnerLimits: StreamLimits;
  private ticker?: NodeJS.Timeout;
  private heartbeat?: NodeJS.Timeout;
  private readonly options: FeedOptions;

  constructor(
    private readonly sources: FeedSources,
    options: Partial<FeedOptions> = {},
  ) {
    this.options = { ...FEED_DEFAULTS, ...options };
    this.instructorLimits = new StreamLimits(
      this.options.perInstructorSession,
      this.options.instructorTotal,
      {
        perKey: `You have ${this.options.perInstructorSession} live rosters open already: close one (another tab) and try again.`,
        total: 'Too many live rosters are open on this server right now: try again in a minute.',
      },
    );
    this.learnerLimits = new StreamLimits(this.options.perLearner, this.options.learnerTotal, {
      perKey: `You have ${this.options.perLearner} course pages listening already: close one and try again.`,
      total: 'Too many pages are listening on this server right now: try again in a minute.',
    });
  }

  /**
   * Opens an instructor's roster stream on the class (its ownership already checked); `session`
   * is their sign-in, which may hold a few. Refuses with 429 past the bounds.
   */
  watchRoster(classId: string, session: string, req: IncomingMessage, res: ServerResponse): void {
    const giveBack = this.instructorLimits.take(session);
    const watch = this.watches.get(classId) ?? { streams: new Set<EventStream>() };
    this.watches.set(classId, watch);
    const ofSignIn = this.signIns.get(session) ?? new Set<EventStream>();
    this.signIns.set(session, ofSignIn);
    const stream = openEventStream(req, res, () => {
      giveBack();
      watch.streams.delete(stream);
      if (watch.streams.size === 0) {
        clearTimeout(watch.pending);
        this.watches.delete(classId);
      }
      ofSignIn.delete(stream);
      if (ofSignIn.size === 0) this.signIns.delete(session);
      this.stopTimersWhenIdle();
    });
    watch.streams.add(stream);
    ofSignIn.add(stream);
    const roster = JSON.stringify(this.sources.rosterOf(classId));
    watch.lastSent = roster;
    watch.machines ??= this.sources.machinesOf(classId);
    stream.send('roster', JSON.parse(roster));
    this.startTimers();
  }

  /** Opens a learner's stream: broadcasts of the classes they are in arrive on it. */
  listen(learner: string, req: IncomingMessage, res: ServerResponse): void {
    const giveBack = this.learnerLimits.take(learner);
    const streams = this.learners.get(learner) ?? new Set<EventStream>();
    this.learners.set(learner, streams);
    const stream = openEventStream(req, res, () => {
      giveBack();
      streams.delete(stream);
      if (streams.size === 0) this.learners.delete(learner);
      this.stopTimersWhenIdle();
    });
    streams.add(stream);
    this.startTimers();
  }

  /** Something on the class's roster changed: its watchers get the new roster shortly. */
  changed(classId: string): void {
    const watch = this.watches.get(classId);
    if (!watch || watch.pending) return;
    watch.pending = setTimeout(() => {
      watch.pending = undefined;
      this.flush(classId);
    }, this.options.debounceMs);
  }

  /** Sends the message to every open page of the class's learners; answers how many pages got it. */
  broadcast(classId: string, message: Broadcast): number {
    let reached = 0;
    for (const learner of this.sources.learnersOf(classId))
      for (const stream of this.learners.get(learner) ?? []) {
        stream.send('broadcast', message);
        reached++;
      }
    return reached;
  }

  /** Closes the class's roster streams (the class ended). */
  endClass(classId: string): void {
    for (const stream of [...(this.watches.get(classId)?.streams ?? [])]) {
      stream.send('ended', { classId });
      stream.close();
    }
  }

  /** Closes the roster streams of an instructor's sign-in (they signed out, or it expired). */
  signedOut(session: string): void {
    for (const stream of [...(this.signIns.get(session) ?? [])]) {
      stream.send('signed-out', {});
      stream.close();
    }
  }

  /** Closes every stream and stops the timers (the server stops). */
  close(): void {
    for (const classId of [...this.watches.keys()]) this.endClass(classId);
    for (const streams of [...this.learners.values()]) for (const s of [...streams]) s.close();
    this.stopTimersWhenIdle();
  }

  /** Open streams: instructors' and learners'. */
  get openStreams(): { instructors: number; learners: number } {
    return { instructors: this.instructorLimits.size, learners: this.learnerLimits.size };
  }

  private flush(classId: string): void {
    const watch = this.watches.get(classId);
    if (!watch) return;
    const roster = JSON.stringify(this.sources.rosterOf(classId));
    if (roster === watch.lastSent) return;
    watch.lastSent = roster;
    const data = JSON.parse(roster) as unknown;
    for (const stream of watch.streams) stream.send('roster', data);
  }

  private tick(): void {
    if (this.sources.signedIn)
      for (const session of [...this.signIns.keys()])
        if (!this.sources.signedIn(session)) this.signedOut(session);
    for (const [classId, watch] of this.watches) {
      if (this.sources.isOver(classId)) {
        this.endClass(classId);
        continue;
      }
      const machines = this.sources.machinesOf(classId);
      if (machines !== watch.machines) {
        watch.machines = machines;
        this.changed(classId);
      }
    }
  }

  private beat(): void {
    for (const [classId, watch] of this.watches) {
      for (const stream of watch.streams) stream.comment('heartbeat');
      // The stuck rule counts minutes: a roster can change with no event.
      this.changed(classId);
    }
    for (const streams of this.learners.values()) for (const stream of streams) stream.comment('heartbeat');
  }

  private startTimers(): void {
    this.ticker ??= setInterval(() => this.tick(), this.options.tickMs).unref();
    this.heartbeat ??= setInterval(() => this.beat(), this.options.heartbeatMs).unref();
  }

  private stopTimersWhenIdle(): void {
    if (this.watches.size > 0 || this.learners.size > 0) return;
    clearInterval(this.ticker);
    clearInterval(this.heartbeat);
    this.ticker = this.heartbeat = undefined;
  }
}
