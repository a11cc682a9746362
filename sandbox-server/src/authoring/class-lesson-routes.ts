import type { IncomingMessage } from 'node:http';
import type { Course } from '../../../engine/src/index.ts';
import { publicQuiz } from '../../../engine/src/index.ts';
import type { ClassRecord, Classes } from '../classroom/classes.ts';
import { instructorGuard, type InstructorSessions } from '../classroom/instructor-sessions.ts';
import { RateLimiter } from '../capacity/rate-limiter.ts';
import { ApiError, notFound, TooManyRequests } from '../http/api-error.ts';
import { json, readJson, SEGMENT, type Route } from '../http/http-routing.ts';
import { learnerOf } from '../http/learner-cookie.ts';
import { logger } from '../logger.ts';
import type { PageWork } from './authoring-workers.ts';
import { checkClassLesson } from './class-lesson-check.ts';
import { killercodaImportRoute } from './class-lesson-import.ts';
import { ContentError } from './class-lesson-input.ts';
import type { ClassLessonProofs, ProofRecord } from './class-lesson-proofs.ts';
import type { ClassLessonVersion, ClassLessons } from './class-lessons.ts';
import type { LearnerClassLessons } from './learner-class-lessons.ts';

/** A class lesson's body is at most this big: a 1 MiB page and 256 KiB of YAML, escaped as JSON. */
export const CLASS_LESSON_BODY_MAX = 6 * 1024 * 1024;
/** A bigger body is read (and dropped) up to this, so the client gets the 413. */
const BODY_DRAIN = 16 * 1024 * 1024;

export interface ClassLessonRoutesContext {
  classes: Classes;
  instructorSessions: InstructorSessions;
  allowedOrigins: string[];
  course: Course;
  lessons: ClassLessons;
  proofs: ClassLessonProofs;
  learners: LearnerClassLessons;
  /** Renders pages (and imports scenarios) off the event loop. */
  work: PageWork;
  /** Validations per instructor: `burst` at once, then `perMinute` (default 5, then 3 a second). */
  validateRate?: { burst: number; perMinute: number };
  /** Told when a class publishes a version (its roster's exercises change). */
  onPublished?: (classId: string) => void;
}

const iso = (at: number | null) => (at === null ? null : new Date(at).toISOString());

/** A proof as the API tells it. */
export function describeProof(proof: ProofRecord) {
  return {
    proofId: proof.id,
    version: proof.version,
    state: proof.state,
    steps: proof.steps,
    ...(proof.state === 'running' ? {} : { passed: proof.state === 'passed' }),
    checks: proof.checks,
    ...(proof.message === undefined ? {} : { message: proof.message }),
    startedAt: iso(proof.startedAt),
    finishedAt: iso(proof.finishedAt),
  };
}

/** A class lesson as its learners see it (without the page): no solve, setup, checks or answers. */
export function describeForLearner(found: ClassLessonVersion) {
  return {
    slug: found.slug,
    title: found.title,
    ...(found.summary === undefined ? {} : { summary: found.summary }),
    version: found.version,
    exercises: found.lesson.exercises.map((e) => ({
      id: e.id,
      title: e.title,
      ...(e.auto ? { auto: true } : {}),
    })),
    quizzes: found.lesson.quizzes.map(publicQuiz),
    // Whether "Reset this lesson" has a setup to run again (never the script itself).
    hasSetup: found.lesson.setup !== undefined || found.lesson.exercises.some((e) => e.setup !== undefined),
  };
}

/** Reads a class lesson's JSON body, at most `CLASS_LESSON_BODY_MAX`. */
export async function readLessonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  return readJson(req, CLASS_LESSON_BODY_MAX, BODY_DRAIN).catch((err: unknown) => {
    if (err instanceof ApiError && err.status === 413)
      throw new ApiError(
        413,
        'payload_too_large',
        `The body is over ${CLASS_LESSON_BODY_MAX / 1024 / 1024} MiB: a page is at most 1 MiB and its exercises YAML 256 KiB.`,
      );
    throw err;
  });
}

/**
 * Class exercises: an instructor writes class lessons (a Markdown page and exercises in the course's
 * schema) for their own class, in versions; proves a version in a fresh machine; publishes a proven
 * one. The class's learners read the published versions.
 */
export function classLessonRoutes(ctx: ClassLessonRoutesContext): Route[] {
  const { lessons, proofs, work } = ctx;
  const instructorOf = instructorGuard(ctx.instructorSessions, ctx.allowedOrigins);
  const courseSlugs = new Set(ctx.course.lessons.map((l) => l.slug));
  const ownClass = (req: IncomingMessage, id: string, changes: boolean): ClassRecord =>
    ctx.classes.owned(id, instructorOf(req, { changes }));
  const validations = new RateLimiter(ctx.validateRate ?? { burst: 5, perMinute: 180 });
  /** The one save path (POST …/exercises and the import): every check, the page rendered, one transaction. */
  const save = async (found: ClassRecord, body: Record<string, unknown>) => {
    const { input, problems } = await checkClassLesson(body, courseSlugs, work);
    if (!input) throw new ContentError(problems);
    return lessons.save(found.id, input);
  };
  /** A version's HTML; one saved before pages were rendered on save is rendered now, and kept. */
  const htmlOf = async (found: ClassLessonVersion): Promise<string> => {
    if (found.html !== undefined) return found.html;
    const rendered = await work.render(found.page, {
      exercises: found.lesson.exercises.map((e) => e.id),
      quizzes: found.lesson.quizzes.map((q) => q.id),
    });
    if (rendered.problems.length > 0)
      logger.warn(
        { classId: found.classId, slug: found.slug, version: found.version, problems: rendered.problems },
        'a class lesson saved before pages were checked has page problems; its HTML leaves them out',
      );
    // A page the renderer could not render (stopped past its deadline) is tried again next time.
    if (rendered.html !== '' || rendered.problems.length === 0)
      lessons.setHtml(found.classId, found.slug, found.version, rendered.html);
    return rendered.html;
  };
  const latestOf = (found: ClassRecord, slug: string): ClassLessonVersion => {
    const latest = lessons.latest(found.id, slug);
    if (!latest) throw notFound(`Class "${found.id}" has no class lesson "${slug}".`);
    return latest;
  };
  const lessonPath = (rest = '') => new RegExp(`^/api/classes/${SEGMENT}/exercises/${SEGMENT}${rest}$`);

  return [
    {
      method: 'POST',
      pattern: new RegExp(`^/api/classes/${SEGMENT}/exercises$`),
      handler: async (req, res, [id]) => {
        const found = ownClass(req, id!, true);
        json(res, 201, await save(found, await readLessonBody(req)));
      },
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/api/classes/${SEGMENT}/exercises/validate$`),
      handler: async (req, res, [id]) => {
        const instructor = instructorOf(req, { changes: true });
        ctx.classes.owned(id!, instructor);
        const wait = validations.take(instructor);
        if (wait > 0)
          throw new TooManyRequests(
            'Checking a few times a second is enough: wait a moment, then check again.',
            wait,
          );
        const { problems } = await checkClassLesson(await readLessonBody(req), courseSlugs, work, {
          slugOptional: true,
        });
        json(res, 200, { problems });
      },
    },
    killercodaImportRoute({ ownClass, work, save }),
    {
      method: 'GET',
      pattern: new RegExp(`^/api/classes/${SEGMENT}/exercises$`),
      handler: async (req, res, [id]) => {
        const found = ownClass(req, id!, false);
        const exercises = lessons.list(found.id).map((entry) => {
          const proof = proofs.ofVersion(found.id, entry.slug, entry.version)[0];
          return {
            slug: entry.slug,
            title: entry.title,
            version: entry.version,
            proof: proof ? { proofId: proof.id, state: proof.state } : null,
            published: entry.published,
            updatedAt: iso(entry.updatedAt),
          };
        });
        json(res, 200, { exercises });
      },
    },
    {
      method: 'GET',
      pattern: lessonPath(),
      handler: async (req, res, [id, slug]) => {
        const found = ownClass(req, id!, false);
        const latest = latestOf(found, slug!);
        json(res, 200, {
          slug: latest.slug,
          title: latest.title,
          ...(latest.summary === undefined ? {} : { summary: latest.summary }),
          version: latest.version,
          published: lessons.published(found.id, latest.slug)?.version ?? null,
          page: latest.page,
          exercises: latest.exercisesYaml,
          proofs: proofs.ofVersion(found.id, latest.slug, latest.version).map((p) => ({
            proofId: p.id,
            state: p.state,
            ...(p.message === undefined ? {} : { message: p.message }),
            startedAt: iso(p.startedAt),
            finishedAt: iso(p.finishedAt),
          })),
          updatedAt: iso(latest.createdAt),
        });
      },
    },
    {
      method: 'POST',
      pattern: lessonPath('/prove'),
      handler: async (req, res, [id, slug]) => {
        const found = ownClass(req, id!, true);
        const proofId = proofs.start(latestOf(found, slug!));
        json(res, 202, { proofId });
      },
    },
    {
      method: 'GET',
      pattern: lessonPath(`/proofs/${SEGMENT}`),
      handler: async (req, res, [id, slug, proofId]) => {
        const found = ownClass(req, id!, false);
        const proof = proofs.get(found.id, slug!, proofId!);
        if (!proof) throw notFound(`Class lesson "${slug}" has no proof "${proofId}".`);
        json(res, 200, describeProof(proof));
      },
    },
    {
      method: 'POST',
      pattern: lessonPath('/publish'),
      handler: async (req, res, [id, slug]) => {
        const found = ownClass(req, id!, true);
        const latest = latestOf(found, slug!);
        if (!proofs.hasPassed(found.id, latest.slug, latest.version))
          throw new ApiError(
            409,
            'not_proven',
            `Version ${latest.version} of "${latest.slug}" has no passing proof: prove it (POST …/prove), then publish.`,
          );
        lessons.publish(found.id, latest.slug, latest.version);
        ctx.onPublished?.(found.id);
        json(res, 204);
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/learner\/class-lessons$/,
      handler: async (req, res) => {
        json(res, 200, ctx.learners.lessonsFor(learnerOf(req)).map(describeForLearner));
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/api/learner/class-lessons/${SEGMENT}$`),
      handler: async (req, res, [slug]) => {
        const found = ctx.learners.lessonFor(learnerOf(req), slug!);
        // Another class's lesson, or one not published, is as unknown as no lesson at all.
        if (!found) throw notFound(`There is no class lesson "${slug}" in your class.`);
        json(res, 200, { ...describeForLearner(found), page: found.page, html: await htmlOf(found) });
      },
    },
  ];
}
