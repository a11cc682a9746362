import crypto from 'node:crypto';
import type { Course } from '../../../engine/src/index.ts';
import type { LearnerProgress } from '../course/progress-store.ts';
import type { CheckEntry } from './check-history.ts';
import type { ClassRecord, Member } from './classes.ts';

/** A stable short handle of a learner, not the cookie value (which would let its reader act as them). */
export function learnerHandle(learner: string): string {
  return crypto.createHash('sha256').update(learner).digest('hex').slice(0, 8);
}

/** Where a learner is on one exercise. */
export type ExerciseState = 'not-started' | 'trying' | 'passed';

/** What the roster shows of one exercise of one learner. */
export interface ExerciseCell {
  state: ExerciseState;
  /** Checks run on it in this class (the last 50 are kept). */
  attempts: number;
  /** The first failing check's message of the latest check; null when it passed or none ran. */
  lastMessage: string | null;
  /** When the state began (first check while trying, first pass when passed); null when unknown. */
  since: string | null;
}

/** One row of the roster. */
export interface RosterRow {
  id: string;
  name: string;
  /** The learner's live machine, if any. */
  machine: { state: string; lesson: string | null } | null;
  /** The lesson their machine is on, else null. */
  lesson: string | null;
  /** The exercise they are on (`<lesson>/<exercise>`) and since when; null before any or after all. */
  current: { exercise: string; since: string } | null;
  /** Why the learner seems stuck, or null. */
  stuck: { reason: string } | null;
  /** Per `<lesson>/<exercise>` of the class's lessons. */
  exercises: Record<string, ExerciseCell>;
}

/** How many learners are in each state of one exercise: the roster's bars. */
export interface ExerciseSummary {
  passed: number;
  trying: number;
  notStarted: number;
}

/** The roster of a class: stuck learners first, then in the order they joined; and one bar per exercise. */
export interface Roster {
  stuckMinutes: number;
  learners: RosterRow[];
  summary: Record<string, ExerciseSummary>;
}

/** Where the roster's facts come from: the progress store, the sessions and the class's checks. */
export interface RosterSources {
  course: Course;
  /** The class lessons its instructor published, after the course's. */
  classLessons?: RosterLesson[];
  progressOf: (learner: string) => LearnerProgress;
  machineOf: (learner: string) => { state: string; lesson: string | null } | null;
  /** The class's checks, oldest first. */
  checks: CheckEntry[];
  now: number;
}

/** Failed checks in a row on one exercise that mark a learner as stuck. */
export const FAILS_IN_A_ROW = 3;

const iso = (at: number) => new Date(at).toISOString();

/** A lesson as the roster reads it: its slug and its exercises' ids. */
export type RosterLesson = { slug: string; exercises: { id: string }[] };

/**
 * The `<lesson>/<exercise>` keys of the class's exercises: the course's, in course order, then
 * those of the class lessons its instructor published.
 */
export function classExercises(
  found: Pick<ClassRecord, 'lessons'>,
  course: Course,
  classLessons: RosterLesson[] = [],
): string[] {
  return [
    ...course.lessons.filter((l) => found.lessons === null || found.lessons.includes(l.slug)),
    ...classLessons,
  ].flatMap((l) => l.exercises.map((e) => `${l.slug}/${e.id}`));
}

/** One exercise's cell from the learner's checks on it (oldest first) and whether progress has it passed. */
function cellOf(checks: CheckEntry[], passedBefore: boolean): ExerciseCell {
  const latest = checks.at(-1);
  const firstPass = checks.find((c) => c.passed);
  const state: ExerciseState = passedBefore || firstPass ? 'passed' : latest ? 'trying' : 'not-started';
  const since = state === 'passed' ? firstPass?.at : state === 'trying' ? checks[0]!.at : undefined;
  return {
    state,
    attempts: checks.length,
    lastMessage: latest && !latest.passed ? latest.message : null,
    since: since === undefined ? null : iso(since),
  };
}

/** Why a learner trying an exercise is stuck: too many failures in a row, or no pass for too long. */
export function stuckReason(
  checks: CheckEntry[],
  exercise: string,
  now: number,
  stuckMinutes: number,
): string | null {
  if (checks.length === 0 || checks.some((c) => c.passed)) return null;
  const lastFew = checks.slice(-FAILS_IN_A_ROW);
  if (lastFew.length === FAILS_IN_A_ROW) return `${FAILS_IN_A_ROW} failed checks in a row on ${exercise}.`;
  if (now - checks[0]!.at >= stuckMinutes * 60_000)
    return `No pass for ${stuckMinutes} minutes on ${exercise}.`;
  return null;
}

/**
 * The class's roster: per learner and exercise, not started, trying (with attempts and the last
 * failure message) or passed; the exercise they are on and since when; whether they are stuck.
 */
export function buildRoster(
  found: Pick<ClassRecord, 'lessons' | 'stuckMinutes'>,
  members: Member[],
  sources: RosterSources,
): Roster {
  const keys = classExercises(found, sources.course, sources.classLessons);
  const summary: Record<string, ExerciseSummary> = Object.fromEntries(
    keys.map((k) => [k, { passed: 0, trying: 0, notStarted: 0 }]),
  );
  const byLearner = new Map<string, CheckEntry[]>();
  for (const c of sources.checks) {
    const list = byLearner.get(c.learner) ?? [];
    list.push(c);
    byLearner.set(c.learner, list);
  }

  const learners = members.map(({ learner, name, joinedAt }): RosterRow => {
    const progress = sources.progressOf(learner);
    const machine = sources.machineOf(learner);
    const checks = byLearner.get(learner) ?? [];
    const checksOf = (key: string) => checks.filter((c) => `${c.lesson}/${c.exercise}` === key);
    const exercises: RosterRow['exercises'] = {};
    for (const key of keys) {
      const [lesson, exercise] = key.split('/') as [string, string];
      const cell = cellOf(checksOf(key), progress[lesson]?.passed.includes(exercise) ?? false);
      exercises[key] = cell;
      summary[key]![cell.state === 'not-started' ? 'notStarted' : cell.state]++;
    }

    // The exercise of the latest check while it is not passed; else the next one not passed.
    const latest = checks.at(-1);
    const latestKey = latest ? `${latest.lesson}/${latest.exercise}` : undefined;
    let current: RosterRow['current'] = null;
    let stuck: RosterRow['stuck'] = null;
    if (latestKey && exercises[latestKey]?.state === 'trying') {
      current = { exercise: latestKey, since: exercises[latestKey].since! };
      const reason = stuckReason(checksOf(latestKey), latestKey, sources.now, found.stuckMinutes);
      stuck = reason ? { reason } : null;
    } else {
      const from = latestKey ? keys.indexOf(latestKey) + 1 : 0;
      const next = [...keys.slice(from), ...keys.slice(0, from)].find(
        (k) => exercises[k]!.state !== 'passed',
      );
      if (next) current = { exercise: next, since: iso(latest?.at ?? joinedAt) };
    }
    return {
      id: learnerHandle(learner),
      name,
      machine,
      lesson: machine?.lesson ?? null,
      current,
      stuck,
      exercises,
    };
  });
  // Stuck learners first; otherwise the order they joined (the sort is stable).
  learners.sort((a, b) => Number(b.stuck !== null) - Number(a.stuck !== null));
  return { stuckMinutes: found.stuckMinutes, learners, summary };
}
