import { describe, expect, it } from 'vitest';
import type { LearnerProgress } from '../course/progress-store.ts';
import type { CheckEntry } from './check-history.ts';
import type { ClassRecord } from './classes.ts';
import { twoLessonCourse } from './classroom-fixtures.ts';
import { buildRoster, learnerHandle, stuckReason, type RosterSources } from './roster.ts';

const ADA = 'a'.repeat(32);
const GRACE = 'b'.repeat(32);
const T0 = Date.parse('2026-05-04T09:00:00Z');
const MIN = 60_000;

const classOf = (lessons: string[] | null) =>
  ({ id: 'c1', lessons, stuckMinutes: 10 }) as unknown as ClassRecord;
const members = [
  { learner: ADA, name: 'Ada', joinedAt: T0 },
  { learner: GRACE, name: 'Grace', joinedAt: T0 + 1 },
];
const check = (
  learner: string,
  key: string,
  passed: boolean,
  at: number,
  message = 'no container ran',
): CheckEntry => {
  const [lesson, exercise] = key.split('/') as [string, string];
  return { learner, lesson, exercise, passed, message: passed ? null : message, at };
};

const sources = (checks: CheckEntry[] = [], now = T0 + MIN): RosterSources => ({
  course: twoLessonCourse,
  progressOf: (learner: string): LearnerProgress =>
    learner === ADA ? { 'first-container': { passed: ['list'] }, volumes: { passed: ['why'] } } : {},
  machineOf: (learner: string) => (learner === ADA ? { state: 'ready', lesson: 'first-container' } : null),
  checks,
  now,
});
const iso = (at: number) => new Date(at).toISOString();

describe('the roster', () => {
  it("shows each learner's name, machine, lesson and per-exercise state, in the order they joined", () => {
    const roster = buildRoster(classOf(null), members, sources());
    const notStarted = { state: 'not-started', attempts: 0, lastMessage: null, since: null };
    expect(roster.learners).toEqual([
      {
        id: learnerHandle(ADA),
        name: 'Ada',
        machine: { state: 'ready', lesson: 'first-container' },
        lesson: 'first-container',
        current: { exercise: 'first-container/run-hello', since: iso(T0) },
        stuck: null,
        exercises: {
          'first-container/run-hello': notStarted,
          // Passed before the class (the progress store): when is not known.
          'first-container/list': { state: 'passed', attempts: 0, lastMessage: null, since: null },
          'volumes/mount': notStarted,
        },
      },
      {
        id: learnerHandle(GRACE),
        name: 'Grace',
        machine: null,
        lesson: null,
        current: { exercise: 'first-container/run-hello', since: iso(T0 + 1) },
        stuck: null,
        exercises: {
          'first-container/run-hello': notStarted,
          'first-container/list': notStarted,
          'volumes/mount': notStarted,
        },
      },
    ]);
    expect(roster.summary).toEqual({
      'first-container/run-hello': { passed: 0, trying: 0, notStarted: 2 },
      'first-container/list': { passed: 1, trying: 0, notStarted: 1 },
      'volumes/mount': { passed: 0, trying: 0, notStarted: 2 },
    });
  });

  it('shows a learner trying with their attempts and last failure message, then passed', () => {
    const tries = [
      check(GRACE, 'first-container/run-hello', false, T0 + 10_000, 'No container named "web" runs.'),
      check(GRACE, 'first-container/run-hello', false, T0 + 20_000, 'Port 8080 is not published.'),
    ];
    const trying = buildRoster(classOf(null), members, sources(tries));
    const grace = trying.learners.find((l) => l.name === 'Grace')!;
    expect(grace.exercises['first-container/run-hello']).toEqual({
      state: 'trying',
      attempts: 2,
      lastMessage: 'Port 8080 is not published.',
      since: iso(T0 + 10_000),
    });
    expect(grace.current).toEqual({ exercise: 'first-container/run-hello', since: iso(T0 + 10_000) });
    expect(trying.summary['first-container/run-hello']).toEqual({ passed: 0, trying: 1, notStarted: 1 });

    const passed = buildRoster(
      classOf(null),
      members,
      sources([...tries, check(GRACE, 'first-container/run-hello', true, T0 + 30_000)]),
    );
    const after = passed.learners.find((l) => l.name === 'Grace')!;
    expect(after.exercises['first-container/run-hello']).toEqual({
      state: 'passed',
      attempts: 3,
      lastMessage: null,
      since: iso(T0 + 30_000),
    });
    // On to the next exercise, since the pass.
    expect(after.current).toEqual({ exercise: 'first-container/list', since: iso(T0 + 30_000) });
  });

  it('marks a learner stuck after three failed checks in a row, and sorts them first', () => {
    const fails = [1, 2, 3].map((n) => check(GRACE, 'volumes/mount', false, T0 + n * 1000));
    const roster = buildRoster(classOf(null), members, sources(fails));
    expect(roster.learners.map((l) => [l.name, l.stuck])).toEqual([
      ['Grace', { reason: '3 failed checks in a row on volumes/mount.' }],
      ['Ada', null],
    ]);
    // Two failures are not yet stuck.
    expect(buildRoster(classOf(null), members, sources(fails.slice(1))).learners[1]!.stuck).toBeNull();
  });

  it("marks a learner stuck after the class's minutes without a pass while trying", () => {
    const once = [check(ADA, 'first-container/run-hello', false, T0)];
    const at = (now: number) => buildRoster(classOf(null), members, sources(once, now)).learners[0]!.stuck;
    expect(at(T0 + 10 * MIN - 1)).toBeNull();
    expect(at(T0 + 10 * MIN)).toEqual({ reason: 'No pass for 10 minutes on first-container/run-hello.' });
    const quick = { ...classOf(null), stuckMinutes: 2 };
    expect(buildRoster(quick, members, sources(once, T0 + 2 * MIN)).learners[0]!.stuck).not.toBeNull();
  });

  it('does not count an exercise the learner passed and left as stuck', () => {
    const checks = [1, 2, 3].map((n) => check(ADA, 'volumes/mount', false, T0 + n));
    checks.push(check(ADA, 'volumes/mount', true, T0 + 4));
    expect(stuckReason(checks, 'volumes/mount', T0 + 60 * MIN, 10)).toBeNull();
    expect(buildRoster(classOf(null), members, sources(checks, T0 + 60 * MIN)).learners[0]!.stuck).toBeNull();
  });

  it("shows only the class's lessons, and never the learner's cookie value", () => {
    const roster = buildRoster(classOf(['volumes']), [members[0]!], sources());
    expect(Object.keys(roster.learners[0]!.exercises)).toEqual(['volumes/mount']);
    expect(Object.keys(roster.summary)).toEqual(['volumes/mount']);
    expect(JSON.stringify(roster)).not.toContain(ADA);
  });

  it("shows the class lessons its instructor published after the course's, passed from progress", () => {
    const roster = buildRoster(classOf(['volumes']), [members[0]!], {
      ...sources(),
      classLessons: [{ slug: 'make-a-file', exercises: [{ id: 'make-file' }, { id: 'list-it' }] }],
      progressOf: () => ({ 'make-a-file': { passed: ['make-file'] } }),
    });
    expect(Object.keys(roster.summary)).toEqual([
      'volumes/mount',
      'make-a-file/make-file',
      'make-a-file/list-it',
    ]);
    expect(roster.learners[0]!.exercises['make-a-file/make-file']!.state).toBe('passed');
    expect(roster.learners[0]!.current?.exercise).toBe('volumes/mount');
  });
});
