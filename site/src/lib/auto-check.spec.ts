import { describe, expect, it } from 'vitest';
import { AUTO_CHECK_EVERY_MS, startAutoCheck, type AutoCheckDeps } from './auto-check.ts';

/** A page whose clock, visibility, machine and check answers the spec drives. */
function page() {
  const state = {
    visible: true,
    ready: true,
    checks: 0,
    answers: [] as ((passed: boolean) => void)[],
    tick: undefined as (() => void) | undefined,
    intervalMs: 0,
    timerStopped: false,
  };
  const deps: AutoCheckDeps = {
    every: (ms, tick) => {
      state.intervalMs = ms;
      state.tick = tick;
      return () => (state.timerStopped = true);
    },
    isVisible: () => state.visible,
    isReady: () => state.ready,
    check: () => {
      state.checks += 1;
      return new Promise((resolve) => state.answers.push(resolve));
    },
  };
  const settle = async (passed: boolean) => {
    state.answers.shift()!(passed);
    await new Promise((r) => setTimeout(r, 0));
  };
  return { state, deps, settle };
}

describe('checking an exercise in the background', () => {
  it('checks every 5 s while the page is in view and the machine is up', async () => {
    const { state, deps, settle } = page();
    startAutoCheck(deps);
    expect(state.intervalMs).toBe(AUTO_CHECK_EVERY_MS);
    state.tick!();
    expect(state.checks).toBe(1);
    await settle(false);
    state.tick!();
    expect(state.checks).toBe(2);
  });

  it('never runs two at once: a tick during a slow check is skipped', async () => {
    const { state, deps, settle } = page();
    startAutoCheck(deps);
    state.tick!();
    state.tick!();
    state.tick!();
    expect(state.checks).toBe(1);
    await settle(false);
    state.tick!();
    expect(state.checks).toBe(2);
  });

  it('checks nothing while the tab is hidden, or before the machine is up', () => {
    const { state, deps } = page();
    startAutoCheck(deps);
    state.visible = false;
    state.tick!();
    state.visible = true;
    state.ready = false;
    state.tick!();
    expect(state.checks).toBe(0);
  });

  it('stops once the exercise passed, and when the page stops it', async () => {
    const { state, deps, settle } = page();
    startAutoCheck(deps);
    state.tick!();
    await settle(true);
    expect(state.timerStopped).toBe(true);
    state.tick!();
    expect(state.checks).toBe(1);

    const other = page();
    const stop = startAutoCheck(other.deps);
    stop();
    expect(other.state.timerStopped).toBe(true);
    other.state.tick!();
    expect(other.state.checks).toBe(0);
  });

  it('keeps going after a check that failed to run (a network error)', async () => {
    const { state, deps } = page();
    deps.check = () => {
      state.checks += 1;
      return Promise.reject(new Error('offline'));
    };
    startAutoCheck(deps);
    state.tick!();
    await new Promise((r) => setTimeout(r, 0));
    state.tick!();
    expect(state.checks).toBe(2);
  });
});
