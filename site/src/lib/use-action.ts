import { useCallback, useState } from 'react';
import { describeError } from './api.ts';

/** What an action said when it ended: its sentence, or the server's error. */
export interface ActionOutcome {
  text: string;
  failed: boolean;
}

/**
 * One button's call to the server: `busy` while it runs (the button waits), then `outcome`, the
 * sentence to show (`done`'s, or the error in words). Calling again clears the last outcome.
 */
export function useAction(): {
  busy: boolean;
  outcome: ActionOutcome | undefined;
  run: (action: () => Promise<unknown>, done: string) => Promise<boolean>;
} {
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<ActionOutcome | undefined>();
  const run = useCallback(async (action: () => Promise<unknown>, done: string) => {
    setBusy(true);
    setOutcome(undefined);
    try {
      await action();
      setOutcome({ text: done, failed: false });
      return true;
    } catch (err) {
      setOutcome({ text: describeError(err), failed: true });
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, outcome, run };
}
