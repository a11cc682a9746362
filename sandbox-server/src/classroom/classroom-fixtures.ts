import type { Course } from '../../../engine/src/index.ts';
import type { Db } from '../database.ts';
import { ApiError } from '../http/api-error.ts';
import { FakeRuntime } from '../sessions/fake-runtime.ts';
import { SessionManager, type SessionPolicy } from '../sessions/session-manager.ts';
import { SessionStore } from '../sessions/session-store.ts';
import type { ClassInput } from './classes.ts';

const MINUTE = 60_000;

/** A learner cookie of the specs: the number `n` as 32 hex digits. */
export const learnerOf = (n: number): string => n.toString(16).padStart(32, '0');

/** A valid class as `Classes.create` takes it: Docker 101 for 30, whole course, no times. */
export const classInput = (fields: Partial<ClassInput> = {}): ClassInput => ({
  name: 'Docker 101',
  lessons: null,
  capacity: 30,
  startsAt: null,
  endsAt: null,
  prewarm: 0,
  stuckMinutes: 10,
  ...fields,
});

/** Real sessions on a fake runtime, in the spec's database and on its clock. */
export function sessionsOnFakeRuntime(
  db: Db,
  now: () => number,
  policy: Partial<SessionPolicy> = {},
): { sessions: SessionManager; runtime: FakeRuntime } {
  const runtime = new FakeRuntime();
  const sessions = new SessionManager(
    new SessionStore(db),
    runtime,
    {
      ttlMs: 240 * MINUTE,
      idleMs: 30 * MINUTE,
      maxSessions: 20,
      limits: { memoryBytes: 1, nanoCpus: 1, pidsLimit: 1, diskBytes: 1 },
      readyTimeoutMs: 1000,
      poolSize: 0,
      ...policy,
    },
    now,
  );
  return { sessions, runtime };
}

/** Fixtures of the classroom's specs. A two-lesson course: only what classes and rosters read of it. */
export const twoLessonCourse = {
  lessons: [
    { slug: 'first-container', exercises: [{ id: 'run-hello' }, { id: 'list' }], quizzes: [] },
    { slug: 'volumes', exercises: [{ id: 'mount' }], quizzes: [{ id: 'why' }] },
  ],
} as unknown as Course;

/** The ApiError that `run` throws; fails the spec when it throws none (or something else). */
export function refusal(run: () => unknown): ApiError {
  try {
    run();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}
