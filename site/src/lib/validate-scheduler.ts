/**
 * Runs a check of the latest input some time after the last change: one call at a time (a change
 * while one runs asks for another when it ends), and an answer is kept only when no change came
 * after its call began, so a slow, stale answer never overwrites a newer one.
 */
export interface ValidateScheduler<I> {
  /** The input changed: check it after the delay (a change before then restarts the wait). */
  schedule(input: I): void;
  /** Forget everything pending; later answers are dropped. */
  dispose(): void;
}

export function createValidateScheduler<I, R>(options: {
  delayMs: number;
  run: (input: I) => Promise<R>;
  onResult: (result: R, input: I) => void;
  onError?: (err: unknown, input: I) => void;
}): ValidateScheduler<I> {
  /** Bumped by every change: an answer to an older one is stale. */
  let generation = 0;
  let latest: I | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight = false;
  let again = false;
  let disposed = false;

  const start = () => {
    const asked = generation;
    const input = latest as I;
    inFlight = true;
    again = false;
    const current = () => !disposed && asked === generation;
    options
      .run(input)
      .then(
        (result) => current() && options.onResult(result, input),
        (err: unknown) => current() && options.onError?.(err, input),
      )
      .finally(() => {
        inFlight = false;
        if (again && !disposed) start();
      });
  };

  return {
    schedule(input) {
      if (disposed) return;
      latest = input;
      generation += 1;
      clearTimeout(timer);
      timer = setTimeout(() => {
        timer = undefined;
        if (inFlight) again = true;
        else start();
      }, options.delayMs);
    },
    dispose() {
      disposed = true;
      clearTimeout(timer);
    },
  };
}
