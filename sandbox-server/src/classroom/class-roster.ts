import type { Course, LessonContent } from '../../../engine/src/index.ts';
import { courseProgress } from '../course/course-routes.ts';
import type { ProgressStore } from '../course/progress-store.ts';
import type { SessionManager } from '../sessions/session-manager.ts';
import type { CheckHistory } from './check-history.ts';
import type { ClassRecord, Classes } from './classes.ts';
import { buildRoster, type Roster } from './roster.ts';

/** What a class's roster is made from. */
export interface RosterDeps {
  classes: Classes;
  course: Course;
  progress: ProgressStore;
  sessions: SessionManager;
  /** The checks of class learners; without it, exercises are passed or not started. */
  history?: CheckHistory;
  /** The class lessons a class's instructor published (its roster shows them after the course's). */
  publishedLessons?: (classId: string) => LessonContent[];
  now?: () => number;
}

/** The learner's live machine and its state, if any. */
function machineOf(sessions: SessionManager, learner: string) {
  const live = sessions.liveOf(learner)[0];
  return live ? { state: sessions.state(live.id), lesson: live.lesson } : null;
}

/** The class's roster now. */
export function rosterOf(deps: RosterDeps, found: ClassRecord): Roster {
  const classLessons = deps.publishedLessons?.(found.id) ?? [];
  return buildRoster(found, deps.classes.members(found.id), {
    course: deps.course,
    classLessons,
    progressOf: (learner) => courseProgress(deps.course, deps.progress, learner, classLessons),
    machineOf: (learner) => machineOf(deps.sessions, learner),
    checks: deps.history?.ofClass(found.id) ?? [],
    now: (deps.now ?? Date.now)(),
  });
}

/** A fingerprint of the class's machines (who has one, its state and lesson): cheap to compare. */
export function machinesOf(deps: RosterDeps, classId: string): string {
  return JSON.stringify(deps.classes.members(classId).map((m) => machineOf(deps.sessions, m.learner)));
}
