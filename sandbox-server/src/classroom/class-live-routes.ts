import type { IncomingMessage } from 'node:http';
import type { ExerciseReport } from '../../../engine/src/contract.ts';
import { ApiError, badRequest, unauthorized } from '../http/api-error.ts';
import { json, readJson, SEGMENT, type Route } from '../http/http-routing.ts';
import { learnerOf, readCookie } from '../http/learner-cookie.ts';
import type { CheckHistory } from './check-history.ts';
import { ClassFeed, type FeedOptions } from './class-feed.ts';
import { machinesOf, rosterOf, type RosterDeps } from './class-roster.ts';
import type { ClassRecord } from './classes.ts';
import {
  INSTRUCTOR_COOKIE,
  instructorGuard,
  signInKey,
  type InstructorSessions,
} from './instructor-sessions.ts';
import { resultsCsv } from './results-csv.ts';
import { classExercises } from './roster.ts';

export const BROADCAST_MAX = 500;

export interface ClassLiveContext extends RosterDeps {
  history: CheckHistory;
  instructorSessions: InstructorSessions;
  allowedOrigins: string[];
  feed?: Partial<FeedOptions>;
}

const ended = () =>
  new ApiError(
    410,
    'class_over',
    'This class has ended: its roster no longer changes, its results are kept.',
  );

/**
 * The live classroom: instructors' roster streams, broadcasts to a class's learners (on their own
 * streams), the results as CSV, and the hook that records every check of a class learner.
 */
export function classLiveFeature(ctx: ClassLiveContext): {
  routes: Route[];
  feed: ClassFeed;
  /** Records a check of a session's learner, if they are in a running class, and updates its roster. */
  onExerciseChecked: (
    req: IncomingMessage,
    sessionId: string,
    lesson: string,
    exercise: string,
    report: ExerciseReport,
  ) => void;
} {
  const { classes } = ctx;
  const now = ctx.now ?? Date.now;
  const instructorOf = instructorGuard(ctx.instructorSessions, ctx.allowedOrigins);
  const live = (id: string) => {
    const found = classes.byId(id);
    return found && !classes.isOver(found) ? found : undefined;
  };
  const feed = new ClassFeed(
    {
      rosterOf: (id) => {
        const found = classes.byId(id);
        return found ? rosterOf(ctx, found) : null;
      },
      isOver: (id) => !live(id),
      machinesOf: (id) => machinesOf(ctx, id),
      learnersOf: (id) => classes.members(id).map((m) => m.learner),
      // A sign-in that expires closes its streams too (signing out closes them at once).
      signedIn: (session) => ctx.instructorSessions.holds(session),
    },
    ctx.feed,
  );
  const ownClass = (req: IncomingMessage, id: string, changes: boolean): ClassRecord =>
    classes.owned(id, instructorOf(req, { changes }));

  const routes: Route[] = [
    {
      method: 'GET',
      pattern: new RegExp(`^/api/classes/${SEGMENT}/events$`),
      handler: async (req, res, [id]) => {
        const found = ownClass(req, id!, false);
        if (classes.isOver(found)) throw ended();
        // Bounded per sign-in, and closed when it ends; the cookie is kept only as a hash.
        feed.watchRoster(found.id, signInKey(readCookie(req, INSTRUCTOR_COOKIE)), req, res);
      },
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/api/classes/${SEGMENT}/broadcast$`),
      handler: async (req, res, [id]) => {
        const found = ownClass(req, id!, true);
        const raw = (await readJson(req)).message;
        const message = typeof raw === 'string' ? raw.trim() : '';
        if (!message || [...message].length > BROADCAST_MAX)
          throw badRequest(`Field "message" must be 1 to ${BROADCAST_MAX} characters.`, 'message');
        if (classes.isOver(found)) throw ended();
        feed.broadcast(found.id, { message, at: new Date(now()).toISOString(), className: found.name });
        json(res, 204);
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/api/classes/${SEGMENT}/results\\.csv$`),
      handler: async (req, res, [id]) => {
        const found = ownClass(req, id!, false);
        const csv = resultsCsv(
          rosterOf(ctx, found),
          classExercises(found, ctx.course, ctx.publishedLessons?.(found.id)),
        );
        res.writeHead(200, {
          'content-type': 'text/csv; charset=utf-8',
          'content-disposition': `attachment; filename="class-${found.id}-results.csv"`,
          'cache-control': 'no-store',
        });
        res.end(csv);
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/learner\/events$/,
      handler: async (req, res) => {
        const learner = learnerOf(req);
        if (!learner)
          throw unauthorized('Open a lesson or join a class first: this stream needs your learner cookie.');
        feed.listen(learner, req, res);
      },
    },
  ];

  const onExerciseChecked = (
    req: IncomingMessage,
    sessionId: string,
    lesson: string,
    exercise: string,
    report: ExerciseReport,
  ) => {
    const learner = ctx.sessions.record(sessionId)?.learner ?? learnerOf(req);
    const inClass = learner ? classes.classOf(learner) : undefined;
    if (!learner || !inClass) return;
    ctx.history.record(inClass.classId, learner, lesson, exercise, report);
    feed.changed(inClass.classId);
  };

  return { routes, feed, onExerciseChecked };
}
