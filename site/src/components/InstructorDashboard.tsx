import { useEffect, useState } from 'react';
import { describeError } from '../lib/api.ts';
import { getClass, type ClassView } from '../lib/classroom.ts';
import { formatAge } from '../lib/hub.ts';
import { useHydrated } from '../lib/use-hydrated.ts';
import InstructorReports from './InstructorReports.tsx';
import type { CourseLesson } from '../lib/roster-view.ts';

const TOKEN_KEY = 'dockyard.instructor';
const REFRESH_MS = 5000;

/**
 * The instructor's view of the class: every active learner's progress per lesson and their
 * machines, and every learner's reports (live), all with the admin token.
 */
export default function InstructorDashboard({ lessons }: { lessons: CourseLesson[] }) {
  const [token, setToken] = useState<string | null>(null);
  const [draft, setDraft] = useState('');
  const [view, setView] = useState<ClassView | undefined>();
  const [error, setError] = useState<string | undefined>();
  const hydrated = useHydrated();

  useEffect(() => setToken(sessionStorage.getItem(TOKEN_KEY)), []);

  useEffect(() => {
    if (!token) return;
    let stopped = false;
    const load = () =>
      getClass(token).then(
        (v) => {
          if (stopped) return;
          setView(v);
          setError(undefined);
        },
        (e: unknown) => !stopped && setError(describeError(e)),
      );
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [token]);

  if (!token) {
    return (
      <form
        className="instructor-login"
        onSubmit={(e) => {
          e.preventDefault();
          sessionStorage.setItem(TOKEN_KEY, draft.trim());
          setToken(draft.trim());
        }}
      >
        <label>
          Instructor token{' '}
          <input
            type="password"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            disabled={!hydrated}
            required
          />
        </label>{' '}
        <button type="submit" className="button button-primary" disabled={!hydrated}>
          Show the class
        </button>
        <p>
          The server keeps it in <code>.dockyard/instructor-token</code> (or takes it from{' '}
          <code>DOCKYARD_INSTRUCTOR_TOKEN</code>).
        </p>
      </form>
    );
  }

  return (
    <div className="instructor">
      {error && (
        <p className="hub-error" role="alert">
          {error}{' '}
          <button
            type="button"
            className="button"
            onClick={() => {
              sessionStorage.removeItem(TOKEN_KEY);
              setToken(null);
            }}
          >
            Enter another token
          </button>
        </p>
      )}
      {view && view.learners.length === 0 && <p>No learner has been active in the last 12 hours.</p>}
      {view && view.learners.length > 0 && (
        <table className="class-table">
          <caption>
            {view.learners.length} learner{view.learners.length === 1 ? '' : 's'} active in the last 12 hours
            (refreshed every few seconds)
          </caption>
          <thead>
            <tr>
              <th scope="col">Learner</th>
              {view.lessons.map((l, i) => (
                <th scope="col" key={l.slug} title={l.title}>
                  {i + 1}
                </th>
              ))}
              <th scope="col">Machine</th>
            </tr>
          </thead>
          <tbody>
            {view.learners.map((learner) => {
              const machine = learner.machines[0];
              return (
                <tr key={learner.id} data-learner={learner.id}>
                  <th scope="row">{learner.name ?? `anonymous ${learner.id}`}</th>
                  {view.lessons.map((l) => {
                    const done = learner.lessons[l.slug] ?? 0;
                    return (
                      <td
                        key={l.slug}
                        className={done === 0 ? '' : done >= l.items ? 'class-done' : 'class-some'}
                        title={`${l.title}: ${done} of ${l.items}`}
                      >
                        {done === 0 ? '' : `${done}/${l.items}`}
                      </td>
                    );
                  })}
                  <td>
                    {machine
                      ? `${machine.state}${machine.lesson ? ` · ${machine.lesson}` : ''} · seen ${formatAge(machine.lastSeenAt)}`
                      : 'none'}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <InstructorReports lessons={lessons} hydrated={hydrated} token={token} />
    </div>
  );
}
