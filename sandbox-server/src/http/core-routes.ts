import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ExerciseReport, PlaceholderValues } from '../../../engine/src/contract.ts';
import type { Course, LessonContent } from '../../../engine/src/index.ts';
import { runExercise } from '../../../engine/src/index.ts';
import { badRequest, notFound } from './api-error.ts';
import { SEGMENT, bearerToken, json, readJson, type Route } from './http-routing.ts';
import { ensureLearner, learnerOf } from './learner-cookie.ts';
import { machineNames, type SandboxRuntime } from '../runtime/sandbox-runtime.ts';
import type { Admission } from '../capacity/admission.ts';
import type { SessionManager } from '../sessions/session-manager.ts';

export interface ApiContext {
  sessions: SessionManager;
  /** Who gets a machine and when (limits, the waiting line). */
  admission: Admission;
  /** The address a request comes from (behind a trusted proxy, the client's). */
  addressOf: (req: IncomingMessage) => string;
  runtime: SandboxRuntime;
  course: Course;
  health: () => Promise<{ ok: boolean; [key: string]: unknown }>;
  /** Called when a check passes, before the answer is sent (course progress records it, may set a cookie). */
  onExercisePassed?: (req: IncomingMessage, res: ServerResponse, lesson: string, exercise: string) => void;
  /** Called with every check's report, after `onExercisePassed` (the live classroom records it). */
  onExerciseChecked?: (
    req: IncomingMessage,
    sessionId: string,
    lesson: string,
    exercise: string,
    report: ExerciseReport,
  ) => void;
  /** Values substituted in checks and scripts, such as `hub.username`, for a session. */
  varsFor?: (sessionId: string) => PlaceholderValues;
  /**
   * A class lesson an instructor published, by slug, if this learner may open it (they are in its
   * class): its checks run like a course lesson's.
   */
  classLessonFor?: (learner: string | null, slug: string) => LessonContent | undefined;
}

/** The core endpoints of docs/api.md: health, the course, sessions and exercise checks. */
export function coreRoutes(ctx: ApiContext): Route[] {
  const { sessions, course } = ctx;
  const lessonsBySlug = new Map(course.lessons.map((l) => [l.slug, l]));

  const sessionView = (id: string) => {
    const record = sessions.record(id)!;
    return {
      id,
      lesson: record.lesson,
      state: sessions.state(id),
      machines: machineNames(record.machines),
      ...(sessions.failure(id) ? { failure: sessions.failure(id) } : {}),
      expiresAt: new Date(record.expiresAt).toISOString(),
      idleExpiresAt: new Date(sessions.idleExpiresAt(record)).toISOString(),
    };
  };

  return [
    {
      method: 'GET',
      pattern: /^\/api\/health$/,
      handler: async (_req, res) => {
        const health = await ctx.health();
        json(res, health.ok ? 200 : 503, health);
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/lessons$/,
      handler: async (_req, res) => {
        json(
          res,
          200,
          course.lessons.map((l) => ({
            slug: l.slug,
            title: l.title,
            exercises: l.exercises.map((e) => ({
              id: e.id,
              title: e.title,
              ...(e.auto ? { auto: true } : {}),
            })),
          })),
        );
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/sessions$/,
      handler: async (req, res) => {
        const body = await readJson(req);
        const { lesson, ticket } = body;
        if (lesson !== undefined && lesson !== null) {
          if (typeof lesson !== 'string')
            throw badRequest('Field "lesson" must be a lesson slug (a string).', 'lesson');
          if (!lessonsBySlug.has(lesson) && !ctx.classLessonFor?.(learnerOf(req) ?? null, lesson))
            throw badRequest(`There is no lesson "${lesson}".`, 'lesson');
        }
        if (ticket !== undefined && (typeof ticket !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(ticket)))
          throw badRequest('Field "ticket" must be the ticket a 202 answer gave (a string).', 'ticket');
        // A place in line is the ticket's (a bearer secret); a browser with another learner's cookie
        // is refused it, a client that keeps no cookies is not.
        const cameWith = learnerOf(req);
        // The session belongs to the browser's learner, so their hub account follows them.
        const learner = ensureLearner(req, res);
        const admitted = ticket
          ? await ctx.admission.poll(ticket, cameWith ?? null)
          : await ctx.admission.request({
              lesson: (lesson as string | undefined) ?? null,
              learner,
              address: ctx.addressOf(req),
            });
        // 200: the learner's live session (another tab); 201: a new machine; 202: a place in line.
        if (admitted.status === 202) {
          const { status, ...place } = admitted;
          json(res, status, { queued: true, ...place });
          return;
        }
        json(res, admitted.status, {
          id: admitted.record.id,
          token: admitted.token,
          expiresAt: new Date(admitted.record.expiresAt).toISOString(),
          machines: machineNames(admitted.record.machines),
        });
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/api/sessions/${SEGMENT}$`),
      handler: async (req, res, [id]) => {
        sessions.authorize(id!, bearerToken(req));
        json(res, 200, sessionView(id!));
      },
    },
    {
      method: 'DELETE',
      pattern: new RegExp(`^/api/sessions/${SEGMENT}$`),
      handler: async (req, res, [id]) => {
        sessions.authorize(id!, bearerToken(req));
        await sessions.destroy(id!);
        json(res, 204);
      },
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/api/sessions/${SEGMENT}/exercises/${SEGMENT}/${SEGMENT}/check$`),
      handler: async (req, res, [id, lessonSlug, exerciseId]) => {
        const record = sessions.authorize(id!, bearerToken(req));
        // A course lesson, or a class lesson of the session's learner's class (any other is unknown).
        const lesson: LessonContent | undefined =
          lessonsBySlug.get(lessonSlug!) ?? ctx.classLessonFor?.(record.learner, lessonSlug!);
        if (!lesson) throw notFound(`There is no lesson "${lessonSlug}".`);
        const exercise = lesson.exercises.find((e) => e.id === exerciseId);
        if (!exercise) throw notFound(`Lesson "${lessonSlug}" has no exercise "${exerciseId}".`);
        await sessions.requireReady(id!);
        const report = await runExercise(exercise, sessions.sandbox(id!), { vars: ctx.varsFor?.(id!) ?? {} });
        if (report.passed) ctx.onExercisePassed?.(req, res, lesson.slug, exercise.id);
        // A page's background check (`auto` exercises) that fails is no attempt of the learner's:
        // the class roster counts it only once it passes.
        if (report.passed || !isBackgroundCheck(req))
          ctx.onExerciseChecked?.(req, id!, lesson.slug, exercise.id, report);
        json(res, 200, report);
      },
    },
  ];
}

/** `?background=1`: the page checks an `auto` exercise by itself, not at the learner's click. */
export function isBackgroundCheck(req: IncomingMessage): boolean {
  return new URL(req.url ?? '/', 'http://dockyard').searchParams.get('background') === '1';
}
