import { useCallback, useState } from 'react';
import { describeError } from './api.ts';

/** What an action said when it ended: its sentence, or the server's error. */
export interface ActionOutcome {
  text: string;
  failed: boolean;
}

/** An action's sentence when it succeeded: fixed, or made from what the call answered. */
type Done<T> = string | ((result: T) => string);

/**
 * One button's call to the server: `busy` while it runs (the button waits), then `outcome`, the
 * sentence to show (`done`'s, or the error in words, `failed` may word it instead). Calling again
 * clears the last outcome.
 */
export function useAction(): {
  busy: boolean;
  outcome: ActionOutcome | undefined;
  run: <T>(action: () => Promise<T>, done: Done<T>, failed?: (err: unknown) => string) => Promise<boolean>;
} {
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<ActionOutcome | undefined>();
  const run = useCallback(async <T>(action: () => Promise<T>, done: Done<T>, failed = describeError) => {
    setBusy(true);
    setOutcome(undefined);
    try {
      const result = await action();
      setOutcome({ text: typeof done === 'string' ? done : done(result), failed: false });
      return true;
    } catch (err) {
      setOutcome({ text: failed(err), failed: true });
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, outcome, run };
}
