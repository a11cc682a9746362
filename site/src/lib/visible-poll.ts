/** The part of `document` the poll looks at (a stand-in in specs). */
export interface VisibilitySource {
  readonly visibilityState: DocumentVisibilityState;
  addEventListener(type: 'visibilitychange', listener: () => void): void;
  removeEventListener(type: 'visibilitychange', listener: () => void): void;
}

/**
 * Calls `tick` now, then every `everyMs` while the page is visible, and again as soon as a hidden
 * page becomes visible. One call at a time: a tick that comes while the last one is still running
 * is skipped, not queued, so a slow server never collects a pile of requests. Answers the stop.
 */
export function pollWhileVisible(
  tick: () => Promise<unknown>,
  everyMs: number,
  page: VisibilitySource = document,
): () => void {
  let running = false;
  let stopped = false;
  const run = () => {
    if (stopped || running || page.visibilityState !== 'visible') return;
    running = true;
    tick()
      .catch(() => undefined)
      .finally(() => {
        running = false;
      });
  };
  const timer = setInterval(run, everyMs);
  page.addEventListener('visibilitychange', run);
  run();
  return () => {
    stopped = true;
    clearInterval(timer);
    page.removeEventListener('visibilitychange', run);
  };
}
