import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PlaceholderValues } from '../../../engine/src/contract.ts';
import type { Course, LessonContent } from '../../../engine/src/index.ts';
import { gradeQuiz, onMachine, substituteVars } from '../../../engine/src/index.ts';
import { ApiError, badRequest, notFound } from '../http/api-error.ts';
import { SEGMENT, bearerToken, json, readJson, type Route } from '../http/http-routing.ts';
import { ensureLearner, learnerOf } from '../http/learner-cookie.ts';
import { logger } from '../logger.ts';
import type { LearnerProgress, ProgressStore } from './progress-store.ts';
import type { SandboxRuntime } from '../runtime/sandbox-runtime.ts';
import type { SessionManager } from '../sessions/session-manager.ts';
import type { SessionRecord } from '../sessions/session-store.ts';

const SETUP_TIMEOUT_MS = 120_000;

/**
 * What a learner passed, lesson by lesson. Only ids of the course as it is now count, so a renamed
 * exercise does not inflate "2/3".
 */
export function courseProgress(
  course: Course,
  progress: ProgressStore,
  learner: string,
  /** Class lessons whose progress counts too (the learner's class's, published). */
  classLessons: Pick<LessonContent, 'slug' | 'exercises' | 'quizzes'>[] = [],
): LearnerProgress {
  const result: LearnerProgress = {};
  const lessons = [...course.lessons, ...classLessons];
  for (const [slug, { passed }] of Object.entries(progress.forLearner(learner))) {
    const lesson = lessons.find((l) => l.slug === slug);
    if (!lesson) continue;
    const known = new Set([...lesson.exercises.map((e) => e.id), ...lesson.quizzes.map((q) => q.id)]);
    const kept = passed.filter((id) => known.has(id));
    if (kept.length) result[slug] = { passed: kept };
  }
  return result;
}

export interface CourseContext {
  sessions: SessionManager;
  runtime: SandboxRuntime;
  course: Course;
  progress: ProgressStore;
  /** Values substituted in setup scripts, such as `hub.username`, for a session. */
  varsFor?: (sessionId: string) => PlaceholderValues;
  /** A published class lesson, by slug, if this learner may open it (they are in its class). */
  classLessonFor?: (learner: string | null, slug: string) => LessonContent | undefined;
  /** The class lessons this learner may open, whose progress `GET /api/progress` includes. */
  classLessonsOf?: (learner: string) => LessonContent[];
}

/**
 * Runs a lesson's setup (the lesson's, then each exercise's) as root in the session's machine, once
 * it is ready. Answers false when the lesson has none; a 503 when the machine is not running, a
 * 500 (logged) when a script fails.
 */
export async function runLessonSetup(
  ctx: Pick<CourseContext, 'sessions' | 'varsFor'>,
  sessionId: string,
  lesson: LessonContent,
): Promise<boolean> {
  const vars = ctx.varsFor?.(sessionId) ?? {};
  // The lesson's on node1; each exercise's on its machine (a lesson with several).
  const scripts = [
    { script: lesson.setup, machine: undefined },
    ...lesson.exercises.map((e) => ({ script: e.setup, machine: e.machine })),
  ]
    .filter((s): s is { script: string; machine: string | undefined } => s.script !== undefined)
    .map(({ script, machine }) => ({ script: substituteVars(script, vars), machine }));
  if (scripts.length === 0) return false;
  await ctx.sessions.requireReady(sessionId);
  for (const { script, machine } of scripts) {
    const result = await onMachine(ctx.sessions.sandbox(sessionId), machine).exec(script, {
      user: 'root',
      timeoutMs: SETUP_TIMEOUT_MS,
    });
    if (result.exitCode !== 0) {
      logger.error(
        {
          sessionId,
          lesson: lesson.slug,
          exitCode: result.exitCode,
          stderr: result.stderr.slice(-2000),
        },
        'lesson setup failed',
      );
      throw new ApiError(
        500,
        'internal',
        `Preparing your machine for this lesson failed (exit code ${result.exitCode}); it is logged. Try "Reset this lesson" again.`,
      );
    }
  }
  logger.info({ sessionId, lesson: lesson.slug, scripts: scripts.length }, 'lesson setup ran');
  return true;
}

/** Course features around the lessons: quizzes, progress, lesson setup; plus the check-pass hook. */
export function courseFeature(ctx: CourseContext): {
  routes: Route[];
  onExercisePassed: (req: IncomingMessage, res: ServerResponse, lesson: string, exercise: string) => void;
} {
  const { sessions, course, progress } = ctx;
  const lessonsBySlug = new Map(course.lessons.map((l) => [l.slug, l]));

  /** A course lesson, or a class lesson of the session's learner's class; any other is a 404. */
  const findLesson = (slug: string, session: SessionRecord): LessonContent => {
    const lesson = lessonsBySlug.get(slug) ?? ctx.classLessonFor?.(session.learner, slug);
    if (!lesson) throw notFound(`There is no lesson "${slug}".`);
    return lesson;
  };

  const record = (req: IncomingMessage, res: ServerResponse, lesson: string, item: string) => {
    const learner = ensureLearner(req, res);
    progress.record(learner, lesson, item);
    logger.info({ lesson, item }, 'progress recorded');
  };

  const currentProgress = (learner: string | undefined): LearnerProgress =>
    learner ? courseProgress(course, progress, learner, ctx.classLessonsOf?.(learner)) : {};

  const routes: Route[] = [
    {
      method: 'GET',
      pattern: /^\/api\/progress$/,
      handler: async (req, res) => {
        json(res, 200, { lessons: currentProgress(learnerOf(req)) });
      },
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/api/sessions/${SEGMENT}/quizzes/${SEGMENT}/${SEGMENT}$`),
      handler: async (req, res, [id, lessonSlug, quizId]) => {
        const session = sessions.authorize(id!, bearerToken(req));
        const lesson = findLesson(lessonSlug!, session);
        const quiz = lesson.quizzes.find((q) => q.id === quizId);
        if (!quiz) throw notFound(`Lesson "${lessonSlug}" has no quiz "${quizId}".`);
        const answer = (await readJson(req)).answer;
        const options = quiz.options.length;
        if (
          !Array.isArray(answer) ||
          answer.length === 0 ||
          !answer.every((i) => Number.isInteger(i) && i >= 0 && i < options)
        ) {
          throw badRequest(
            `Field "answer" must be a non-empty list of option indexes from 0 to ${options - 1}.`,
            'answer',
          );
        }
        const grade = gradeQuiz(quiz, answer as number[]);
        if (grade.correct) record(req, res, lesson.slug, quiz.id);
        json(res, 200, grade);
      },
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/api/sessions/${SEGMENT}/lessons/${SEGMENT}/setup$`),
      handler: async (req, res, [id, lessonSlug]) => {
        const session = sessions.authorize(id!, bearerToken(req));
        const lesson = findLesson(lessonSlug!, session);
        ensureLearner(req, res);
        const ran = await runLessonSetup(ctx, id!, lesson);
        json(res, 200, { ran });
      },
    },
  ];

  return {
    routes,
    onExercisePassed: (req, res, lesson, exercise) => record(req, res, lesson, exercise),
  };
}
