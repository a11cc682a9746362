import type { IncomingMessage, ServerResponse } from 'node:http';
import { openEventStream, StreamLimits, type EventStream } from '../classroom/event-stream.ts';
import { mayRead, type ReportRecord } from './reports.ts';

/** Who opened a report stream: the admin token's holder, or a signed-in instructor. */
export type ReportViewer =
  | { kind: 'admin' }
  /** `signIn` is the key (`signInKey`) of their sign-in, never the cookie itself. */
  | { kind: 'instructor'; instructor: string; signIn: string };

export interface ReportFeedSources {
  /** The classes whose reports the instructor sees (today: their own), asked again at each event. */
  classesOf: (instructor: string) => string[];
  /** Whether an instructor's sign-in still holds; always, if unset. */
  signedIn?: (signIn: string) => boolean;
}

export interface ReportFeedOptions {
  heartbeatMs: number;
  /** Open streams per instructor sign-in (and for the admin token, all its pages together). */
  perSignIn: number;
  total: number;
}

export const REPORT_FEED_DEFAULTS: ReportFeedOptions = { heartbeatMs: 15_000, perSignIn: 5, total: 200 };

/** The event a report goes out as: a new one, or one marked done or open again. */
export type ReportEvent = 'report' | 'report-state';

interface Watcher {
  stream: EventStream;
  viewer: ReportViewer;
}

/** The key the admin token's streams are bounded under (no sign-in key is ever this short). */
const ADMIN_KEY = 'admin';

/**
 * The live side of reports: instructors' and the admin token's streams (`GET /api/reports/events`).
 * Each report goes only to the streams whose viewer may read it, judged when it is sent (a sign-in
 * that ended gets nothing, and its streams close); bounded per sign-in, with heartbeats.
 */
export class ReportFeed {
  private readonly watchers = new Set<Watcher>();
  private readonly limits: StreamLimits;
  private readonly options: ReportFeedOptions;
  private heartbeat?: NodeJS.Timeout;

  constructor(
    private readonly sources: ReportFeedSources,
    options: Partial<ReportFeedOptions> = {},
  ) {
    this.options = { ...REPORT_FEED_DEFAULTS, ...options };
    this.limits = new StreamLimits(this.options.perSignIn, this.options.total, {
      perKey: `You have ${this.options.perSignIn} live report lists open already: close one (another tab) and try again.`,
      total: 'Too many live report lists are open on this server right now: try again in a minute.',
    });
  }

  /** Opens a stream for a viewer already checked; refuses with 429 past the bounds. */
  watch(viewer: ReportViewer, req: IncomingMessage, res: ServerResponse): void {
    const giveBack = this.limits.take(viewer.kind === 'admin' ? ADMIN_KEY : viewer.signIn);
    const watcher: Watcher = {
      viewer,
      stream: openEventStream(req, res, () => {
        giveBack();
        this.watchers.delete(watcher);
        this.stopWhenIdle();
      }),
    };
    this.watchers.add(watcher);
    this.heartbeat ??= setInterval(() => this.beat(), this.options.heartbeatMs).unref();
  }

  /** Sends `data` (the report as listed) to every open stream whose viewer may read `report`. */
  publish(event: ReportEvent, report: ReportRecord, data: unknown): number {
    const classesOf = new Map<string, string[]>();
    let reached = 0;
    for (const { stream, viewer } of [...this.watchers]) {
      if (viewer.kind === 'instructor') {
        if (!this.holds(viewer.signIn)) {
          this.signedOut(viewer.signIn);
          continue;
        }
        let classes = classesOf.get(viewer.instructor);
        if (!classes) {
          classes = this.sources.classesOf(viewer.instructor);
          classesOf.set(viewer.instructor, classes);
        }
        if (!mayRead(report, classes)) continue;
      }
      stream.send(event, data);
      reached++;
    }
    return reached;
  }

  /** Closes the streams of an instructor's sign-in (they signed out, or it expired). */
  signedOut(signIn: string): void {
    for (const { stream, viewer } of [...this.watchers])
      if (viewer.kind === 'instructor' && viewer.signIn === signIn) {
        stream.send('signed-out', {});
        stream.close();
      }
  }

  /** Closes every stream (the server stops). */
  close(): void {
    for (const { stream } of [...this.watchers]) stream.close();
    this.stopWhenIdle();
  }

  /** Streams open in all. */
  get size(): number {
    return this.limits.size;
  }

  private holds(signIn: string): boolean {
    return this.sources.signedIn?.(signIn) ?? true;
  }

  private beat(): void {
    for (const { stream, viewer } of [...this.watchers]) {
      if (viewer.kind === 'instructor' && !this.holds(viewer.signIn)) this.signedOut(viewer.signIn);
      else stream.comment('heartbeat');
    }
  }

  private stopWhenIdle(): void {
    if (this.watchers.size > 0) return;
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }
}
