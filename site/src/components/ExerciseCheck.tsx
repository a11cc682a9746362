import { useEffect, useId, useRef, useState } from 'react';
import { describeError } from '../lib/api.ts';
import { startAutoCheck } from '../lib/auto-check.ts';
import { checkExercise, type ExerciseReport } from '../lib/exercise-check.ts';
import { markPassed } from '../lib/progress.ts';
import { isTerminalReady } from '../lib/terminal-store.ts';

export interface ExerciseCheckProps {
  lesson: string;
  exerciseId: string;
  title: string;
  /** Checked in the background while the learner works, and marked done without a click. */
  auto?: boolean;
}

type CheckState =
  | { kind: 'idle' }
  | { kind: 'checking' }
  | { kind: 'done'; result: ExerciseReport }
  | { kind: 'error'; message: string };

/** An exercise card: the learner does the work in the terminal, then asks the server to check it. */
export default function ExerciseCheck({ lesson, exerciseId, title, auto = false }: ExerciseCheckProps) {
  const headingId = useId();
  const [state, setState] = useState<CheckState>({ kind: 'idle' });
  const checking = state.kind === 'checking';
  const passed = state.kind === 'done' && state.result.passed;
  // The background checker reads the latest state without restarting.
  const stateRef = useRef(state);
  stateRef.current = state;

  useEffect(() => {
    if (!auto || passed) return;
    return startAutoCheck({
      every: (ms, tick) => {
        const timer = setInterval(tick, ms);
        return () => clearInterval(timer);
      },
      isVisible: () => document.visibilityState === 'visible',
      // No machine is started for it, and a check the learner asked for goes first.
      isReady: () => isTerminalReady() && stateRef.current.kind !== 'checking',
      check: async () => {
        const result = await checkExercise(lesson, exerciseId, { background: true });
        // Quiet until it passes: the learner's own Check shows what is missing.
        if (result.passed && stateRef.current.kind !== 'checking') {
          markPassed(lesson, exerciseId);
          setState({ kind: 'done', result });
        }
        return result.passed;
      },
    });
  }, [auto, passed, lesson, exerciseId]);

  const check = async () => {
    setState({ kind: 'checking' });
    try {
      const result = await checkExercise(lesson, exerciseId);
      if (result.passed) markPassed(lesson, exerciseId);
      setState({ kind: 'done', result });
    } catch (error) {
      setState({ kind: 'error', message: describeError(error) });
    }
  };

  return (
    <section
      className="exercise"
      aria-labelledby={headingId}
      data-exercise={exerciseId}
      data-state={stateName(state)}
    >
      <p className="exercise-label">Exercise</p>
      <h3 id={headingId} className="exercise-title">
        {title}
      </h3>
      {auto && !passed && <p className="exercise-auto">Checked as you work: it turns green by itself.</p>}
      <div className="exercise-actions">
        <button
          type="button"
          className="button button-primary"
          onClick={() => void check()}
          disabled={checking}
          aria-busy={checking}
        >
          Check
        </button>
        <p className="exercise-status" role="status" aria-live="polite">
          {statusText(state)}
        </p>
      </div>
      {state.kind === 'error' && <p className="exercise-error">{state.message}</p>}
      {state.kind === 'done' && <CheckResults result={state.result} />}
    </section>
  );
}

function CheckResults({ result }: { result: ExerciseReport }) {
  return (
    <ul className="check-results">
      {result.checks.map((check) => (
        <li key={check.id} className={check.passed ? 'check-passed' : 'check-failed'}>
          <span className="check-mark" aria-hidden="true">
            {check.passed ? '✓' : '✗'}
          </span>
          <span className="visually-hidden">{check.passed ? 'Passed: ' : 'Failed: '}</span>
          <span className="check-message">{check.message}</span>
          {!check.passed && check.hint && <p className="check-hint">Hint: {check.hint}</p>}
        </li>
      ))}
    </ul>
  );
}

function statusText(state: CheckState): string {
  switch (state.kind) {
    case 'idle':
      return '';
    case 'checking':
      return 'Checking…';
    case 'done':
      return state.result.passed ? 'Passed' : 'Not yet';
    case 'error':
      return 'Could not check';
  }
}

function stateName(state: CheckState): string {
  if (state.kind === 'done') return state.result.passed ? 'passed' : 'failed';
  return state.kind;
}
