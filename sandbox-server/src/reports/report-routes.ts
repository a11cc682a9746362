import type { IncomingMessage } from 'node:http';
import type { Course } from '../../../engine/src/index.ts';
import { RateLimiter } from '../capacity/rate-limiter.ts';
import { requireAdminToken } from '../classroom/admin-token.ts';
import type { Classes } from '../classroom/classes.ts';
import {
  INSTRUCTOR_COOKIE,
  instructorGuard,
  requireOwnOrigin,
  signInKey,
  type InstructorSessions,
} from '../classroom/instructor-sessions.ts';
import { csvCell } from '../classroom/results-csv.ts';
import { learnerHandle } from '../classroom/roster.ts';
import { ApiError, TooManyRequests, badRequest } from '../http/api-error.ts';
import { bearerToken, json, readJson, SEGMENT, type Route } from '../http/http-routing.ts';
import { ensureLearner, readCookie } from '../http/learner-cookie.ts';
import { logger } from '../logger.ts';
import { ReportFeed, type ReportFeedOptions, type ReportViewer } from './report-feed.ts';
import type { ReportRecord, Reports, ReportState } from './reports.ts';

/** A report's body, terminal lines included, may be at most this many bytes. */
export const REPORT_MAX_BYTES = 64 * 1024;
export const REPORT_LIMITS = {
  section: 200,
  text: 4000,
  terminalLines: 50,
  terminalBytes: 16 * 1024,
  /** Reports a minute, per learner and per client address. */
  perMinute: 10,
};

export interface ReportRoutesContext {
  reports: Reports;
  classes: Classes;
  instructorSessions: InstructorSessions;
  /** The admin (instructor) token: its holder sees every report. */
  adminToken: string;
  course: Course;
  /** The class of a published class lesson of this slug, if this learner may open it. */
  classLessonFor?: (learner: string, slug: string) => { classId: string } | undefined;
  /** The name the learner gave with `PUT /api/learner`, if any. */
  nameOf?: (learner: string) => string | null;
  allowedOrigins: string[];
  addressOf: (req: IncomingMessage) => string;
  now?: () => number;
  /** Bounds and heartbeat of the live streams (`GET /api/reports/events`). */
  feed?: Partial<ReportFeedOptions>;
}

const iso = (at: number | null) => (at === null ? null : new Date(at).toISOString());

/** A report as instructors read it: the learner by their handle, never their cookie. */
export function describeReport(r: ReportRecord) {
  return {
    id: r.id,
    lesson: r.lesson,
    section: r.section,
    learner: learnerHandle(r.learner),
    name: r.learnerName,
    classId: r.classId,
    text: r.text,
    terminal: r.terminal,
    createdAt: iso(r.createdAt),
    doneAt: iso(r.doneAt),
  };
}

/** Reports as CSV (RFC 4180, formula-safe cells), newest first. */
export function reportsCsv(reports: ReportRecord[]): string {
  const header = ['created', 'lesson', 'section', 'learner', 'name', 'class', 'done', 'text', 'terminal'];
  const rows = reports.map((r) => {
    const d = describeReport(r);
    return [
      d.createdAt!,
      d.lesson,
      d.section,
      d.learner,
      d.name ?? '',
      d.classId ?? '',
      d.doneAt ?? '',
      d.text,
      d.terminal ?? '',
    ];
  });
  return [header, ...rows].map((row) => row.map(csvCell).join(',') + '\r\n').join('');
}

/** The checked fields of a report's body. */
export function parseReport(body: Record<string, unknown>): {
  lesson: string;
  section: string;
  text: string;
  terminal: string | null;
} {
  const { lesson, section = '', text, terminal } = body;
  if (typeof lesson !== 'string' || lesson === '')
    throw badRequest('Field "lesson" must be the slug of the lesson the report is about.', 'lesson');
  if (typeof section !== 'string' || [...section].length > REPORT_LIMITS.section)
    throw badRequest(`Field "section" must be at most ${REPORT_LIMITS.section} characters.`, 'section');
  const trimmed = typeof text === 'string' ? text.trim() : '';
  if (!trimmed || [...trimmed].length > REPORT_LIMITS.text)
    throw badRequest(`Field "text" must be 1 to ${REPORT_LIMITS.text} characters.`, 'text');
  let lines: string | null = null;
  if (terminal !== undefined && terminal !== null) {
    if (typeof terminal !== 'string')
      throw badRequest('Field "terminal" must be the terminal\'s lines as one text.', 'terminal');
    lines = terminal.replace(/\n+$/, '');
    if (
      lines.split('\n').length > REPORT_LIMITS.terminalLines ||
      Buffer.byteLength(lines) > REPORT_LIMITS.terminalBytes
    )
      throw badRequest(
        `Field "terminal" may hold at most ${REPORT_LIMITS.terminalLines} lines and ${REPORT_LIMITS.terminalBytes / 1024} KiB.`,
        'terminal',
      );
    if (lines === '') lines = null;
  }
  return { lesson, section: section.trim(), text: trimmed, terminal: lines };
}

const STATES: ReportState[] = ['open', 'done', 'all'];

/**
 * "Report a problem": a learner files a report on a lesson's section (`POST /api/reports`); the
 * admin token's holder reads every report, a signed-in instructor those of their own classes'
 * learners, newest first, marks them done (or open again), and downloads them as CSV. Both may
 * keep a stream open (`GET /api/reports/events`) on which the reports they see arrive as filed,
 * and as marked done or open again.
 */
export function reportRoutes(ctx: ReportRoutesContext): Route[] {
  return reportFeature(ctx).routes;
}

/** The report routes, and their live feed (whose sign-in streams close on signing out). */
export function reportFeature(ctx: ReportRoutesContext): { routes: Route[]; feed: ReportFeed } {
  const now = ctx.now ?? Date.now;
  const instructorOf = instructorGuard(ctx.instructorSessions, ctx.allowedOrigins);
  const rate = { burst: REPORT_LIMITS.perMinute, perMinute: REPORT_LIMITS.perMinute };
  const byLearner = new RateLimiter(rate, now);
  const byAddress = new RateLimiter(rate, now);
  const courseLessons = new Set(ctx.course.lessons.map((l) => l.slug));

  /** The classes whose reports an instructor sees: their own. */
  const classesOf = (instructor: string) => ctx.classes.listFor(instructor).map((c) => c.id);

  /**
   * Who calls: the admin token's holder, or the signed-in instructor (else 401/403). The token is
   * no cookie a browser sends by itself, so it needs no Origin check; the instructor's cookie does,
   * for a change.
   */
  const viewerOf = (req: IncomingMessage, changes: boolean): ReportViewer => {
    if (bearerToken(req) !== undefined) {
      requireAdminToken(req, ctx.adminToken, 'Reading reports');
      return { kind: 'admin' };
    }
    const instructor = instructorOf(req, { changes });
    return { kind: 'instructor', instructor, signIn: signInKey(readCookie(req, INSTRUCTOR_COOKIE)) };
  };

  /** The classes whose reports the caller sees: undefined for the admin token (all of them). */
  const visibleClasses = (req: IncomingMessage, changes: boolean): string[] | undefined => {
    const viewer = viewerOf(req, changes);
    return viewer.kind === 'admin' ? undefined : classesOf(viewer.instructor);
  };

  const feed = new ReportFeed(
    { classesOf, signedIn: (signIn) => ctx.instructorSessions.holds(signIn) },
    ctx.feed,
  );

  const stateOf = (req: IncomingMessage): ReportState => {
    const raw = new URL(req.url ?? '/', 'http://x').searchParams.get('state') ?? 'open';
    if (!STATES.includes(raw as ReportState))
      throw badRequest('Query "state" must be "open", "done" or "all".', 'state');
    return raw as ReportState;
  };

  const setDone =
    (done: boolean): Route['handler'] =>
    async (req, res, [id]) => {
      const report = ctx.reports.setDone(id!, done, visibleClasses(req, true));
      const described = describeReport(report);
      json(res, 200, described);
      // Every open list that shows it (this instructor's other pages, the admin's) follows.
      feed.publish('report-state', report, described);
    };

  const routes: Route[] = [
    {
      method: 'POST',
      pattern: /^\/api\/reports$/,
      handler: async (req, res) => {
        requireOwnOrigin(req, ctx.allowedOrigins);
        const learner = ensureLearner(req, res);
        const wait = Math.max(byLearner.take(learner), byAddress.take(ctx.addressOf(req)));
        if (wait > 0) throw new TooManyRequests(`Too many reports just now. Try again in ${wait} s.`, wait);
        const body = await readJson(req, REPORT_MAX_BYTES).catch((err: unknown) => {
          if (err instanceof ApiError && err.status === 413)
            throw new ApiError(413, 'payload_too_large', 'A report may be at most 64 KiB.');
          throw err;
        });
        const input = parseReport(body);
        const classLesson = courseLessons.has(input.lesson)
          ? undefined
          : ctx.classLessonFor?.(learner, input.lesson);
        if (!courseLessons.has(input.lesson) && !classLesson)
          throw badRequest(`There is no lesson "${input.lesson.slice(0, 64)}".`, 'lesson');
        // A class lesson's report goes to its class; a course lesson's to the class joined last.
        const classId = classLesson?.classId ?? ctx.classes.classOf(learner)?.classId ?? null;
        const member = classId ? ctx.classes.members(classId).find((m) => m.learner === learner) : undefined;
        const report = ctx.reports.add({
          ...input,
          learner,
          learnerName: member?.name ?? ctx.nameOf?.(learner) ?? null,
          classId,
        });
        logger.info({ report: report.id, lesson: report.lesson, classId }, 'problem reported');
        json(res, 201, { id: report.id });
        feed.publish('report', report, describeReport(report));
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/reports$/,
      handler: async (req, res) => {
        const visible = visibleClasses(req, false);
        const reports = ctx.reports.list(stateOf(req), visible);
        json(res, 200, { reports: reports.map(describeReport) });
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/reports\/events$/,
      handler: async (req, res) => {
        // Checked as `GET /api/reports` is; bounded per sign-in (the admin token: all its pages).
        feed.watch(viewerOf(req, false), req, res);
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/reports\.csv$/,
      handler: async (req, res) => {
        const visible = visibleClasses(req, false);
        const state = stateOf(req);
        const csv = reportsCsv(ctx.reports.list(state, visible));
        res.writeHead(200, {
          'content-type': 'text/csv; charset=utf-8',
          'content-disposition': `attachment; filename="reports-${state}.csv"`,
          'cache-control': 'no-store',
        });
        res.end(csv);
      },
    },
    { method: 'POST', pattern: new RegExp(`^/api/reports/${SEGMENT}/done$`), handler: setDone(true) },
    { method: 'DELETE', pattern: new RegExp(`^/api/reports/${SEGMENT}/done$`), handler: setDone(false) },
  ];
  return { routes, feed };
}
