import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HELPER_QUIET_MS, HelperPresence } from './helper-presence.ts';

describe('the learner is told while an instructor types in their terminal', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('from the first keystroke until 3 s without one', () => {
    const presence = new HelperPresence();
    const heard: boolean[] = [];
    presence.listen('s1', (typing) => heard.push(typing));
    const helper = presence.helper('s1');
    helper.typed();
    vi.advanceTimersByTime(HELPER_QUIET_MS - 1);
    helper.typed(); // still typing: the quiet time starts again, nothing new is said
    vi.advanceTimersByTime(HELPER_QUIET_MS - 1);
    expect(heard).toEqual([true]);
    vi.advanceTimersByTime(1);
    expect(heard).toEqual([true, false]);
  });

  it('and no longer as soon as the instructor leaves', () => {
    const presence = new HelperPresence();
    const heard: boolean[] = [];
    presence.listen('s1', (typing) => heard.push(typing));
    const helper = presence.helper('s1');
    helper.typed();
    helper.left();
    expect(heard).toEqual([true, false]);
    vi.advanceTimersByTime(HELPER_QUIET_MS);
    expect(heard).toEqual([true, false]);
  });

  it('while any of two instructors types', () => {
    const presence = new HelperPresence();
    const heard: boolean[] = [];
    presence.listen('s1', (typing) => heard.push(typing));
    const one = presence.helper('s1');
    const two = presence.helper('s1');
    one.typed();
    two.typed();
    one.left();
    expect(heard).toEqual([true]);
    two.left();
    expect(heard).toEqual([true, false]);
  });

  it('on every tab of that learner, a tab that connects meanwhile included, and on no other session', () => {
    const presence = new HelperPresence();
    const first: boolean[] = [];
    const other: boolean[] = [];
    presence.listen('s1', (typing) => first.push(typing));
    presence.listen('s2', (typing) => other.push(typing));
    presence.helper('s1').typed();
    const second: boolean[] = [];
    const close = presence.listen('s1', (typing) => second.push(typing));
    close();
    vi.advanceTimersByTime(HELPER_QUIET_MS);
    expect(first).toEqual([true, false]);
    expect(second).toEqual([true]);
    expect(other).toEqual([]);
  });

  it('says nothing when a watcher who never typed leaves', () => {
    const presence = new HelperPresence();
    const heard: boolean[] = [];
    presence.listen('s1', (typing) => heard.push(typing));
    presence.helper('s1').left();
    expect(heard).toEqual([]);
  });
});
