import { useId, useState } from 'react';
import { describeError } from '../lib/api.ts';
import { answerQuiz, type QuizGrade } from '../lib/course-api.ts';
import { markPassed } from '../lib/progress.ts';

export interface QuizCardProps {
  lesson: string;
  quizId: string;
  question: string;
  options: string[];
  /** More than one option is right: checkboxes instead of radio buttons. */
  multiple: boolean;
}

type QuizState =
  | { kind: 'idle' }
  | { kind: 'submitting' }
  | { kind: 'graded'; grade: QuizGrade }
  | { kind: 'error'; message: string };

/** A quiz question; the server grades the answer, so the page never holds it. */
export default function QuizCard({ lesson, quizId, question, options, multiple }: QuizCardProps) {
  const baseId = useId();
  const [chosen, setChosen] = useState<number[]>([]);
  const [state, setState] = useState<QuizState>({ kind: 'idle' });
  const submitting = state.kind === 'submitting';

  const choose = (index: number, checked: boolean) => {
    setChosen((current) =>
      multiple
        ? checked
          ? [...current, index].sort((a, b) => a - b)
          : current.filter((i) => i !== index)
        : [index],
    );
  };

  const submit = async () => {
    setState({ kind: 'submitting' });
    try {
      const grade = await answerQuiz(lesson, quizId, chosen);
      if (grade.correct) markPassed(lesson, quizId);
      setState({ kind: 'graded', grade });
    } catch (error) {
      setState({ kind: 'error', message: describeError(error) });
    }
  };

  return (
    <section
      className="quiz"
      aria-labelledby={`${baseId}-question`}
      data-quiz={quizId}
      data-state={stateName(state)}
    >
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        <fieldset className="quiz-fieldset">
          <legend className="quiz-legend">
            <span className="exercise-label">Quiz{multiple ? ' · choose every right answer' : ''}</span>
            <span id={`${baseId}-question`} className="quiz-question">
              {question}
            </span>
          </legend>
          {options.map((option, index) => (
            <label key={index} className="quiz-option">
              <input
                type={multiple ? 'checkbox' : 'radio'}
                name={`${baseId}-answer`}
                value={index}
                checked={chosen.includes(index)}
                onChange={(event) => choose(index, event.currentTarget.checked)}
              />
              <span>{option}</span>
            </label>
          ))}
        </fieldset>
        <div className="exercise-actions">
          <button
            type="submit"
            className="button button-primary"
            disabled={submitting || chosen.length === 0}
            aria-busy={submitting}
          >
            Submit answer
          </button>
          <p className="exercise-status" role="status" aria-live="polite">
            {statusText(state)}
          </p>
        </div>
      </form>
      {state.kind === 'graded' && state.grade.correct && (
        <p className="quiz-explanation">{state.grade.explanation}</p>
      )}
      {state.kind === 'error' && <p className="exercise-error">{state.message}</p>}
    </section>
  );
}

function statusText(state: QuizState): string {
  switch (state.kind) {
    case 'idle':
      return '';
    case 'submitting':
      return 'Checking your answer…';
    case 'graded':
      return state.grade.correct ? 'Correct!' : 'Not quite. Have another look and try again.';
    case 'error':
      return 'Could not check your answer';
  }
}

function stateName(state: QuizState): string {
  if (state.kind === 'graded') return state.grade.correct ? 'passed' : 'failed';
  return state.kind;
}
