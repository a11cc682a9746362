import { describe, expect, it } from 'vitest';
import type { LearnerProgress } from '../course/progress-store.ts';
import type { ClassRecord } from './classes.ts';
import { twoLessonCourse } from './classroom-fixtures.ts';
import { buildRoster, learnerHandle, type RosterSources } from './roster.ts';

const ADA = 'a'.repeat(32);
const GRACE = 'b'.repeat(32);

const classOf = (lessons: string[] | null) => ({ id: 'c1', lessons }) as unknown as ClassRecord;

const sources: RosterSources = {
  course: twoLessonCourse,
  progressOf: (learner: string): LearnerProgress =>
    learner === ADA ? { 'first-container': { passed: ['list'] }, volumes: { passed: ['why'] } } : {},
  machineOf: (learner: string) => (learner === ADA ? { state: 'ready', lesson: 'first-container' } : null),
};

describe('the roster', () => {
  it("shows each learner's name, machine, lesson and per-exercise state, in the order they joined", () => {
    const members = [
      { learner: ADA, name: 'Ada', joinedAt: 1 },
      { learner: GRACE, name: 'Grace', joinedAt: 2 },
    ];
    expect(buildRoster(classOf(null), members, sources)).toEqual([
      {
        id: learnerHandle(ADA),
        name: 'Ada',
        machine: { state: 'ready', lesson: 'first-container' },
        lesson: 'first-container',
        exercises: {
          'first-container/run-hello': { state: 'not_started' },
          'first-container/list': { state: 'passed' },
          'volumes/mount': { state: 'not_started' },
        },
      },
      {
        id: learnerHandle(GRACE),
        name: 'Grace',
        machine: null,
        lesson: null,
        exercises: {
          'first-container/run-hello': { state: 'not_started' },
          'first-container/list': { state: 'not_started' },
          'volumes/mount': { state: 'not_started' },
        },
      },
    ]);
  });

  it("shows only the class's lessons, and never the learner's cookie value", () => {
    const rows = buildRoster(classOf(['volumes']), [{ learner: ADA, name: 'Ada', joinedAt: 1 }], sources);
    expect(Object.keys(rows[0]!.exercises)).toEqual(['volumes/mount']);
    expect(JSON.stringify(rows)).not.toContain(ADA);
  });
});
