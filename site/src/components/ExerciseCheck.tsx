import { useId, useState } from 'react';
import { describeError } from '../lib/api.ts';
import { checkExercise, type ExerciseReport } from '../lib/exercise-check.ts';
import { markPassed } from '../lib/progress.ts';

export interface ExerciseCheckProps {
  lesson: string;
  exerciseId: string;
  title: string;
}

type CheckState =
  | { kind: 'idle' }
  | { kind: 'checking' }
  | { kind: 'done'; result: ExerciseReport }
  | { kind: 'error'; message: string };

/** An exercise card: the learner does the work in the terminal, then asks the server to check it. */
export default function ExerciseCheck({ lesson, exerciseId, title }: ExerciseCheckProps) {
  const headingId = useId();
  const [state, setState] = useState<CheckState>({ kind: 'idle' });
  const checking = state.kind === 'checking';

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
