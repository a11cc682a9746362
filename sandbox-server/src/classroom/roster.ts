import crypto from 'node:crypto';
import type { Course } from '../../../engine/src/index.ts';
import type { LearnerProgress } from '../course/progress-store.ts';
import type { ClassRecord, Member } from './classes.ts';

/** A stable short handle of a learner, not the cookie value (which would let its reader act as them). */
export function learnerHandle(learner: string): string {
  return crypto.createHash('sha256').update(learner).digest('hex').slice(0, 8);
}

/** What the roster shows of one exercise: passed, or not started (trying comes with live checks). */
export type ExerciseState = 'passed' | 'not_started';

/** One row of the roster. */
export interface RosterRow {
  id: string;
  name: string;
  /** The learner's live machine, if any. */
  machine: { state: string; lesson: string | null } | null;
  /** The lesson their machine is on, else null. */
  lesson: string | null;
  /** Per `<lesson>/<exercise>` of the class's lessons. */
  exercises: Record<string, { state: ExerciseState }>;
}

/** Where the roster's facts come from: the progress store and the sessions. */
export interface RosterSources {
  course: Course;
  progressOf: (learner: string) => LearnerProgress;
  machineOf: (learner: string) => { state: string; lesson: string | null } | null;
}

/** The class's roster, from what each learner passed and their machine, in the order they joined. */
export function buildRoster(found: ClassRecord, members: Member[], sources: RosterSources): RosterRow[] {
  const lessons = sources.course.lessons.filter(
    (l) => found.lessons === null || found.lessons.includes(l.slug),
  );
  return members.map(({ learner, name }) => {
    const progress = sources.progressOf(learner);
    const machine = sources.machineOf(learner);
    const exercises: RosterRow['exercises'] = {};
    for (const lesson of lessons) {
      const passed = new Set(progress[lesson.slug]?.passed ?? []);
      for (const exercise of lesson.exercises)
        exercises[`${lesson.slug}/${exercise.id}`] = {
          state: passed.has(exercise.id) ? 'passed' : 'not_started',
        };
    }
    return { id: learnerHandle(learner), name, machine, lesson: machine?.lesson ?? null, exercises };
  });
}
