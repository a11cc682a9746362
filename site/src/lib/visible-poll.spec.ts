import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { pollWhileVisible, type VisibilitySource } from './visible-poll.ts';

class Page extends EventTarget implements VisibilitySource {
  visibilityState: DocumentVisibilityState = 'visible';
  show(state: DocumentVisibilityState) {
    this.visibilityState = state;
    this.dispatchEvent(new Event('visibilitychange'));
  }
}

describe('pollWhileVisible', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('ticks at once and then on every interval, and not after the stop', async () => {
    const page = new Page();
    const tick = vi.fn(() => Promise.resolve());
    const stop = pollWhileVisible(tick, 5000, page);
    expect(tick).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(5000);
    expect(tick).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(tick).toHaveBeenCalledTimes(4);
    stop();
    await vi.advanceTimersByTimeAsync(20_000);
    page.show('visible');
    expect(tick).toHaveBeenCalledTimes(4);
  });

  it('skips ticks while one is in flight, rather than piling them up', async () => {
    const page = new Page();
    let finish = () => undefined as void;
    const tick = vi.fn(() => new Promise<void>((resolve) => (finish = resolve)));
    const stop = pollWhileVisible(tick, 5000, page);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(tick).toHaveBeenCalledTimes(1);
    finish();
    await vi.advanceTimersByTimeAsync(5000);
    expect(tick).toHaveBeenCalledTimes(2);
    stop();
  });

  it('rests while the page is hidden and ticks as soon as it is visible again', async () => {
    const page = new Page();
    const tick = vi.fn(() => Promise.resolve());
    const stop = pollWhileVisible(tick, 5000, page);
    page.show('hidden');
    await vi.advanceTimersByTimeAsync(30_000);
    expect(tick).toHaveBeenCalledTimes(1);
    page.show('visible');
    expect(tick).toHaveBeenCalledTimes(2);
    stop();
  });

  it('keeps going after a failed tick', async () => {
    const page = new Page();
    const tick = vi.fn(() => Promise.reject(new Error('offline')));
    const stop = pollWhileVisible(tick, 5000, page);
    await vi.advanceTimersByTimeAsync(5000);
    expect(tick).toHaveBeenCalledTimes(2);
    stop();
  });
});
