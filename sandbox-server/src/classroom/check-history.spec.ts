import { describe, expect, it } from 'vitest';
import { openDatabase } from '../database.ts';
import { CHECKS_KEPT, CheckHistory, firstFailure } from './check-history.ts';

const ADA = 'a'.repeat(32);
const report = (passed: boolean, message = 'No container named "web" runs.') => ({
  passed,
  checks: [
    { id: 'image', passed: true, message: 'The image is there.' },
    { id: 'running', passed, message },
    { id: 'port', passed, message: 'Port 8080 is not published.' },
  ],
});

describe('the check history of class learners', () => {
  it('records each check with the first failing message and the time, per class', () => {
    const clock = { now: 1000 };
    const history = new CheckHistory(openDatabase(':memory:'), () => clock.now);
    history.record('c1', ADA, 'first-container', 'run', report(false));
    clock.now = 2000;
    history.record('c1', ADA, 'first-container', 'run', report(true));
    history.record('c2', ADA, 'volumes', 'mount', report(false));
    expect(history.ofClass('c1')).toEqual([
      {
        learner: ADA,
        lesson: 'first-container',
        exercise: 'run',
        passed: false,
        message: 'No container named "web" runs.',
        at: 1000,
      },
      { learner: ADA, lesson: 'first-container', exercise: 'run', passed: true, message: null, at: 2000 },
    ]);
    expect(history.ofClass('c2')).toHaveLength(1);
  });

  it(`keeps the last ${CHECKS_KEPT} checks per learner and exercise`, () => {
    const clock = { now: 0 };
    const history = new CheckHistory(openDatabase(':memory:'), () => clock.now);
    for (let n = 0; n < CHECKS_KEPT + 20; n++) {
      clock.now = n;
      history.record('c1', ADA, 'first-container', 'run', report(false, `try ${n}`));
    }
    history.record('c1', ADA, 'first-container', 'list', report(false));
    const run = history.ofClass('c1').filter((c) => c.exercise === 'run');
    expect(run).toHaveLength(CHECKS_KEPT);
    expect(run[0]!.message).toBe('try 20');
    expect(run.at(-1)!.message).toBe(`try ${CHECKS_KEPT + 19}`);
    expect(history.ofClass('c1').filter((c) => c.exercise === 'list')).toHaveLength(1);
  });

  it('caps a long failure message', () => {
    expect(firstFailure(report(false, 'x'.repeat(5000)))).toHaveLength(500);
    expect(firstFailure(report(true))).toBeNull();
  });
});
