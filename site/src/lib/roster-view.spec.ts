import { describe, expect, it } from 'vitest';
import type { RosterExercise } from './classes.ts';
import {
  cellDescription,
  cellText,
  exerciseColumns,
  hardestExercise,
  timeSince,
  type CourseLesson,
} from './roster-view.ts';

const lessons: CourseLesson[] = [
  { slug: 'first-container', title: 'Your first container', exercises: [{ id: 'run', title: 'Run it' }] },
  {
    slug: 'lifecycle',
    title: 'Lifecycle',
    exercises: [
      { id: 'start', title: 'Start one' },
      { id: 'stop', title: 'Stop one' },
    ],
  },
  { slug: 'volumes', title: 'Volumes', exercises: [{ id: 'keep', title: 'Keep data' }] },
];
const tally = { passed: 0, trying: 0, notStarted: 1 };

describe('the roster heatmap columns', () => {
  it("numbers the class's exercises as the course numbers its lessons, in course order", () => {
    // A class of lessons 2 and 3 only: its columns are 2.1, 2.2 and 3.1, not 1.1, 1.2, 2.1.
    const columns = exerciseColumns(lessons, {
      summary: { 'volumes/keep': tally, 'lifecycle/stop': tally, 'lifecycle/start': tally },
    });
    expect(columns.map((c) => [c.label, c.key, c.title])).toEqual([
      ['2.1', 'lifecycle/start', 'Lifecycle: Start one'],
      ['2.2', 'lifecycle/stop', 'Lifecycle: Stop one'],
      ['3.1', 'volumes/keep', 'Volumes: Keep data'],
    ]);
  });

  it('leaves out an exercise the course no longer has', () => {
    expect(exerciseColumns(lessons, { summary: { 'gone/old': tally } })).toEqual([]);
  });
});

describe('a heatmap cell', () => {
  const column = exerciseColumns(lessons, { summary: { 'first-container/run': tally } })[0]!;
  const cell = (state: RosterExercise['state'], attempts = 0, lastMessage: string | null = null) => ({
    state,
    attempts,
    lastMessage,
    since: null,
  });

  it('shows a tick when passed, the failed checks while trying, nothing before', () => {
    expect(cellText(cell('passed', 4))).toBe('✓');
    expect(cellText(cell('trying', 3, 'no container'))).toBe('✗3');
    expect(cellText(cell('not-started'))).toBe('');
    expect(cellText(undefined)).toBe('');
  });

  it('says in words what its colour means, with the last failure', () => {
    expect(cellDescription(column, cell('trying', 1, 'No container named web is running.'))).toBe(
      'Your first container: Run it: trying, 1 failed check. Last: No container named web is running.',
    );
    expect(cellDescription(column, cell('passed', 2))).toBe('Your first container: Run it: passed');
    expect(cellDescription(column, undefined)).toBe('Your first container: Run it: not started');
  });
});

describe('time on an exercise', () => {
  const now = Date.parse('2026-12-03T10:00:00Z');
  it('reads at a glance', () => {
    expect(timeSince('2026-12-03T09:59:30Z', now)).toBe('just now');
    expect(timeSince('2026-12-03T09:53:00Z', now)).toBe('7 min');
    expect(timeSince('2026-12-03T08:55:00Z', now)).toBe('1 h 5 min');
    expect(timeSince('2026-12-03T08:00:00Z', now)).toBe('2 h');
    expect(timeSince(null, now)).toBe('');
  });
});

describe('the step to explain again', () => {
  const columns = exerciseColumns(lessons, {
    summary: { 'lifecycle/start': tally, 'lifecycle/stop': tally },
  });
  it('is the exercise most learners are trying, once two or more are', () => {
    const summary = {
      'lifecycle/start': { passed: 5, trying: 2, notStarted: 0 },
      'lifecycle/stop': { passed: 1, trying: 4, notStarted: 2 },
    };
    expect(hardestExercise(columns, summary)?.key).toBe('lifecycle/stop');
  });
  it('is nobody when a single learner is trying', () => {
    const summary = {
      'lifecycle/start': { passed: 5, trying: 1, notStarted: 0 },
      'lifecycle/stop': { passed: 0, trying: 0, notStarted: 6 },
    };
    expect(hardestExercise(columns, summary)).toBeUndefined();
  });
});
