/** The shortest time between two background checks of one exercise (issue 10, live checks). */
export const AUTO_CHECK_EVERY_MS = 5000;

/** What the background checker reaches for; the page's own by default (`ExerciseCheck`). */
export interface AutoCheckDeps {
  every: (ms: number, tick: () => void) => () => void;
  /** Whether the page is in view: a hidden tab checks nothing. */
  isVisible: () => boolean;
  /** Whether the learner's machine is up (the terminal is attached): no check starts a machine. */
  isReady: () => boolean;
  /** Runs one background check and answers whether the exercise passed. */
  check: () => Promise<boolean>;
}

/**
 * Checks an `auto` exercise in the background while the learner works: at most once every 5 s,
 * only while the page is in view and the machine is up, never two at once, and no more once it
 * passed. A check that fails or errs is quiet; the next tick tries again. Returns the way to stop.
 */
export function startAutoCheck(deps: AutoCheckDeps): () => void {
  let inFlight = false;
  let stopped = false;
  const stop = () => {
    stopped = true;
    stopTimer();
  };
  const stopTimer = deps.every(AUTO_CHECK_EVERY_MS, () => {
    if (stopped || inFlight || !deps.isVisible() || !deps.isReady()) return;
    inFlight = true;
    deps
      .check()
      .then(
        (passed) => passed && stop(),
        () => undefined,
      )
      .finally(() => (inFlight = false));
  });
  return stop;
}
