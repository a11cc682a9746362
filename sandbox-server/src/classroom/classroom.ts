import type { Course } from '../../../engine/src/index.ts';
import { badRequest } from '../http/api-error.ts';
import { courseProgress } from '../course/course-routes.ts';
import type { Db } from '../database.ts';
import { json, readJson, type Route } from '../http/http-routing.ts';
import { ensureLearner, learnerOf } from '../http/learner-cookie.ts';
import { requireAdminToken } from './admin-token.ts';
import { learnerHandle } from './roster.ts';
import type { ProgressStore } from '../course/progress-store.ts';
import type { SessionManager } from '../sessions/session-manager.ts';
import type { SessionStore } from '../sessions/session-store.ts';

/** Learners count as in class when they were active this recently. */
const CLASS_WINDOW_MS = 12 * 3600_000;
const NAME = /^[^\p{Cc}]{1,40}$/u;

/** Learners' display names, so an instructor sees "Ada" rather than an anonymous id. */
export class LearnerNames {
  constructor(private readonly db: Db) {
    db.exec(`CREATE TABLE IF NOT EXISTS learner_names (
      learner TEXT PRIMARY KEY,
      name TEXT NOT NULL
    )`);
  }

  get(learner: string): string | null {
    const row = this.db.prepare('SELECT name FROM learner_names WHERE learner = ?').get(learner) as
      { name: string } | undefined;
    return row?.name ?? null;
  }

  set(learner: string, name: string): void {
    this.db
      .prepare(
        'INSERT INTO learner_names (learner, name) VALUES (?, ?) ON CONFLICT(learner) DO UPDATE SET name = excluded.name',
      )
      .run(learner, name);
  }
}

export interface ClassroomContext {
  db: Db;
  course: Course;
  progress: ProgressStore;
  store: SessionStore;
  sessions: SessionManager;
  token: string;
  now?: () => number;
}

/**
 * The classroom view: learners name themselves (`PUT /api/learner`), and the instructor, with the
 * instructor token, sees every learner active in the last hours with their progress per lesson and
 * the state of their machines (`GET /api/instructor/class`).
 */
export function classroomRoutes(ctx: ClassroomContext): Route[] {
  const names = new LearnerNames(ctx.db);
  const now = ctx.now ?? Date.now;

  return [
    {
      method: 'GET',
      pattern: /^\/api\/learner$/,
      handler: async (req, res) => {
        const learner = learnerOf(req);
        json(res, 200, { name: learner ? names.get(learner) : null });
      },
    },
    {
      method: 'PUT',
      pattern: /^\/api\/learner$/,
      handler: async (req, res) => {
        const raw = (await readJson(req)).name;
        const name = typeof raw === 'string' ? raw.trim() : '';
        if (!NAME.test(name)) throw badRequest('Field "name" must be 1 to 40 characters.', 'name');
        names.set(ensureLearner(req, res), name);
        json(res, 200, { name });
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/instructor\/class$/,
      handler: async (req, res) => {
        requireAdminToken(req, ctx.token, 'This view');
        const since = now() - CLASS_WINDOW_MS;
        const sessions = ctx.store.all().filter((s) => s.learner && s.lastSeenAt >= since);
        const learners = new Set([...sessions.map((s) => s.learner!), ...ctx.progress.learnersSince(since)]);
        const rows = [...learners].map((learner) => {
          const own = sessions.filter((s) => s.learner === learner);
          const passed = courseProgress(ctx.course, ctx.progress, learner);
          return {
            // A stable short handle, not the cookie value (which would let its reader act as the learner).
            id: learnerHandle(learner),
            name: names.get(learner),
            lessons: Object.fromEntries(Object.entries(passed).map(([slug, p]) => [slug, p.passed.length])),
            machines: own.map((s) => ({
              lesson: s.lesson,
              state: ctx.sessions.state(s.id),
              lastSeenAt: new Date(s.lastSeenAt).toISOString(),
            })),
          };
        });
        rows.sort((a, b) => (a.name ?? '~').localeCompare(b.name ?? '~') || a.id.localeCompare(b.id));
        json(res, 200, {
          lessons: ctx.course.lessons.map((l) => ({
            slug: l.slug,
            title: l.title,
            items: l.exercises.length + l.quizzes.length,
          })),
          learners: rows,
        });
      },
    },
  ];
}
