import type { IncomingMessage } from 'node:http';
import type { Course, LessonContent } from '../../../engine/src/index.ts';
import type { ProgressStore } from '../course/progress-store.ts';
import { json, readJson, SEGMENT, type Route } from '../http/http-routing.ts';
import { ensureLearner, secureAttribute } from '../http/learner-cookie.ts';
import type { SessionManager } from '../sessions/session-manager.ts';
import { type ClassRecord, type Classes, parseClassInput } from './classes.ts';
import { instructorGuard, requireOwnOrigin, type InstructorSessions } from './instructor-sessions.ts';
import type { CheckHistory } from './check-history.ts';
import { rosterOf } from './class-roster.ts';

export interface ClassRoutesContext {
  classes: Classes;
  instructorSessions: InstructorSessions;
  course: Course;
  progress: ProgressStore;
  sessions: SessionManager;
  allowedOrigins: string[];
  now?: () => number;
  /** The checks of class learners, for the roster's "trying" and stuck flags. */
  history?: CheckHistory;
  /** The class lessons a class's instructor published: the roster shows them after the course's. */
  publishedLessons?: (classId: string) => LessonContent[];
  /** Told when a learner joins a class (the live roster). */
  onJoined?: (classId: string) => void;
  /** Told when an instructor creates a class (its pre-warm may begin at once). */
  onCreated?: (classId: string) => void;
  /** Told when an instructor ends a class: its machines, streams and terminals close. */
  onEnded?: (classId: string) => void;
}

/** The URL a learner opens to join: the course index with the code, on the origin the instructor used. */
export function joinUrl(req: IncomingMessage, code: string): string {
  const scheme = secureAttribute(req) ? 'https' : 'http';
  return `${scheme}://${req.headers.host ?? 'localhost'}/?class=${code}`;
}

const iso = (at: number | null) => (at === null ? null : new Date(at).toISOString());

/** A class as its instructor sees it in the list. */
function describeClass(req: IncomingMessage, found: ClassRecord, learners: number, over: boolean) {
  return {
    id: found.id,
    name: found.name,
    code: found.code,
    joinUrl: joinUrl(req, found.code),
    lessons: found.lessons,
    capacity: found.capacity,
    learners,
    startsAt: iso(found.startsAt),
    endsAt: iso(found.endsAt),
    prewarm: found.prewarm,
    createdAt: iso(found.createdAt),
    endedAt: iso(found.endedAt),
    over,
  };
}

/**
 * Workshop classes: a signed-in instructor creates, lists and ends their own classes and reads a
 * class's roster; a learner joins one with its code. Another instructor's class answers 404.
 */
export function classRoutes(ctx: ClassRoutesContext): Route[] {
  const now = ctx.now ?? Date.now;
  const instructorOf = instructorGuard(ctx.instructorSessions, ctx.allowedOrigins);
  return [
    {
      method: 'POST',
      pattern: /^\/api\/classes$/,
      handler: async (req, res) => {
        const instructor = instructorOf(req, { changes: true });
        const input = parseClassInput(await readJson(req), ctx.course, now());
        const created = ctx.classes.create(instructor, input);
        ctx.onCreated?.(created.id);
        json(res, 201, { id: created.id, code: created.code, joinUrl: joinUrl(req, created.code) });
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/classes$/,
      handler: async (req, res) => {
        const instructor = instructorOf(req, { changes: false });
        const classes = ctx.classes
          .listFor(instructor)
          .map((c) => describeClass(req, c, ctx.classes.count(c.id), ctx.classes.isOver(c)));
        json(res, 200, { classes });
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/classes\/join$/,
      handler: async (req, res) => {
        requireOwnOrigin(req, ctx.allowedOrigins);
        const body = await readJson(req);
        const joined = ctx.classes.join(body.code, ensureLearner(req, res), body.name);
        ctx.onJoined?.(joined.classId);
        json(res, 200, joined);
      },
    },
    {
      method: 'DELETE',
      pattern: new RegExp(`^/api/classes/${SEGMENT}$`),
      handler: async (req, res, [id]) => {
        const ended = ctx.classes.end(id!, instructorOf(req, { changes: true }));
        ctx.onEnded?.(ended.id);
        json(res, 204);
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/api/classes/${SEGMENT}/roster$`),
      handler: async (req, res, [id]) => {
        const found = ctx.classes.owned(id!, instructorOf(req, { changes: false }));
        json(res, 200, rosterOf(ctx, found));
      },
    },
  ];
}
