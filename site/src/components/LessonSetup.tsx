import { useEffect, useState } from 'react';
import { describeError } from '../lib/api.ts';
import { runLessonSetup } from '../lib/course-api.ts';
import { getSession } from '../lib/session.ts';

export interface LessonSetupProps {
  lesson: string;
  /** The lesson has setup scripts, so resetting means something. */
  hasSetup: boolean;
}

type SetupState =
  | { kind: 'idle' }
  | { kind: 'running'; reset: boolean }
  | { kind: 'done'; reset: boolean }
  | { kind: 'error'; message: string };

const doneKey = (sessionId: string, lesson: string) => `dockyard.setup.${sessionId}.${lesson}`;

function remembered(key: string): boolean {
  try {
    return localStorage.getItem(key) !== null;
  } catch {
    return false;
  }
}

function remember(key: string): void {
  try {
    localStorage.setItem(key, new Date().toISOString());
  } catch {
    // Without storage the setup runs again on the next visit, which is harmless.
  }
}

/**
 * Prepares the learner's machine for the lesson, once per session and lesson, and offers
 * "Reset this lesson" to run the lesson's setup again.
 */
export default function LessonSetup({ lesson, hasSetup }: LessonSetupProps) {
  const [state, setState] = useState<SetupState>({ kind: 'idle' });

  const run = async (reset: boolean) => {
    setState({ kind: 'running', reset });
    try {
      const { sessionId } = await runLessonSetup(lesson);
      remember(doneKey(sessionId, lesson));
      setState({ kind: 'done', reset });
    } catch (error) {
      setState({ kind: 'error', message: describeError(error) });
    }
  };

  useEffect(() => {
    let cancelled = false;
    getSession(lesson)
      .then((session) => {
        if (!cancelled && !remembered(doneKey(session.id, lesson))) void run(false);
      })
      .catch(() => {
        // The terminal reports a session that cannot start; nothing to prepare then.
      });
    return () => {
      cancelled = true;
    };
    // Runs once per page: `run` only closes over the lesson.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [lesson]);

  const reset = () => {
    if (
      window.confirm(
        'Reset this lesson? Its setup runs again in your machine, which may undo your changes for this lesson.',
      )
    ) {
      void run(true);
    }
  };

  if (!hasSetup) return null;
  return (
    <div className="lesson-setup">
      <button type="button" className="button" onClick={reset} disabled={state.kind === 'running'}>
        Reset this lesson
      </button>
      <span className="lesson-setup-status" role="status">
        {statusText(state)}
      </span>
    </div>
  );
}

function statusText(state: SetupState): string {
  switch (state.kind) {
    case 'idle':
      return '';
    case 'running':
      return state.reset
        ? 'Resetting your machine for this lesson…'
        : 'Preparing your machine for this lesson…';
    case 'done':
      return state.reset ? 'The lesson is reset.' : 'Your machine is ready for this lesson.';
    case 'error':
      return state.message;
  }
}
