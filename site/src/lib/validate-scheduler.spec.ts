import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createValidateScheduler } from './validate-scheduler.ts';

/** A call the test answers by hand. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  return { promise, resolve, reject };
}

describe('createValidateScheduler', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function setup() {
    const calls: { input: string; answer: ReturnType<typeof deferred<string>> }[] = [];
    const results: string[] = [];
    const errors: unknown[] = [];
    const scheduler = createValidateScheduler<string, string>({
      delayMs: 500,
      run: (input) => {
        const answer = deferred<string>();
        calls.push({ input, answer });
        return answer.promise;
      },
      onResult: (result) => results.push(result),
      onError: (err) => errors.push(err),
    });
    return { scheduler, calls, results, errors };
  }

  it('checks only the latest input, once typing pauses', async () => {
    const { scheduler, calls, results } = setup();
    scheduler.schedule('a');
    await vi.advanceTimersByTimeAsync(300);
    scheduler.schedule('ab');
    await vi.advanceTimersByTimeAsync(499);
    expect(calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls.map((c) => c.input)).toEqual(['ab']);
    calls[0]!.answer.resolve('ok ab');
    await vi.advanceTimersByTimeAsync(0);
    expect(results).toEqual(['ok ab']);
  });

  it('keeps one call in flight and drops the stale answer', async () => {
    const { scheduler, calls, results } = setup();
    scheduler.schedule('a');
    await vi.advanceTimersByTimeAsync(500);
    scheduler.schedule('ab');
    await vi.advanceTimersByTimeAsync(500);
    // 'a' is still in flight: 'ab' waits for it.
    expect(calls.map((c) => c.input)).toEqual(['a']);
    calls[0]!.answer.resolve('ok a');
    await vi.advanceTimersByTimeAsync(0);
    expect(results).toEqual([]);
    expect(calls.map((c) => c.input)).toEqual(['a', 'ab']);
    calls[1]!.answer.resolve('ok ab');
    await vi.advanceTimersByTimeAsync(0);
    expect(results).toEqual(['ok ab']);
  });

  it('drops an answer to an input changed while it ran, even before the next call starts', async () => {
    const { scheduler, calls, results } = setup();
    scheduler.schedule('a');
    await vi.advanceTimersByTimeAsync(500);
    scheduler.schedule('ab');
    calls[0]!.answer.resolve('ok a');
    await vi.advanceTimersByTimeAsync(0);
    expect(results).toEqual([]);
    await vi.advanceTimersByTimeAsync(500);
    expect(calls.map((c) => c.input)).toEqual(['a', 'ab']);
  });

  it('tells a failure of the current input, and nothing after dispose', async () => {
    const { scheduler, calls, results, errors } = setup();
    scheduler.schedule('a');
    await vi.advanceTimersByTimeAsync(500);
    calls[0]!.answer.reject(new Error('offline'));
    await vi.advanceTimersByTimeAsync(0);
    expect(errors).toHaveLength(1);
    scheduler.schedule('b');
    await vi.advanceTimersByTimeAsync(500);
    scheduler.dispose();
    calls[1]!.answer.resolve('ok b');
    scheduler.schedule('c');
    await vi.advanceTimersByTimeAsync(1000);
    expect(results).toEqual([]);
    expect(calls).toHaveLength(2);
  });
});
