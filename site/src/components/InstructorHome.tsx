import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { ApiError, describeError } from '../lib/api.ts';
import { listClasses, signIn, signOut, type ClassSummary } from '../lib/classes.ts';
import { useHydrated } from '../lib/use-hydrated.ts';
import ClassPanel from './ClassPanel.tsx';
import type { CourseLesson } from './ClassRoster.tsx';
import InstructorDashboard from './InstructorDashboard.tsx';
import InstructorReports from './InstructorReports.tsx';
import NewClassForm from './NewClassForm.tsx';

type Account =
  { state: 'checking' } | { state: 'signed-out' } | { state: 'signed-in'; classes: ClassSummary[] };

/** An answer that only means "nobody is signed in here" (no cookie, or a learner's). */
const notSignedIn = (err: unknown) => err instanceof ApiError && (err.status === 401 || err.status === 403);

function SignInForm({ hydrated, onSignedIn }: { hydrated: boolean; onSignedIn: () => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    signIn(username.trim(), password)
      .then(onSignedIn, (err: unknown) => {
        setPassword('');
        setError(describeError(err));
      })
      .finally(() => setBusy(false));
  };

  const disabled = !hydrated || busy;
  return (
    <form className="instructor-login" onSubmit={submit} aria-labelledby="sign-in-title">
      <h2 id="sign-in-title">Sign in</h2>
      <p>
        <label>
          Username{' '}
          <input
            value={username}
            autoComplete="username"
            required
            onChange={(e) => setUsername(e.target.value)}
            disabled={disabled}
          />
        </label>
      </p>
      <p>
        <label>
          Password{' '}
          <input
            type="password"
            value={password}
            autoComplete="current-password"
            required
            onChange={(e) => setPassword(e.target.value)}
            disabled={disabled}
          />
        </label>
      </p>
      <button type="submit" className="button button-primary" disabled={disabled}>
        Sign in
      </button>
      {error && (
        <p className="hub-error" role="alert">
          {error}
        </p>
      )}
      <p className="instructor-login-help">
        No account? The server&apos;s operator makes one with the admin token (see the operations guide).
      </p>
    </form>
  );
}

/**
 * The instructor's home at `/instructor/`: sign in, then their classes, a form for a new one, and
 * the chosen class's join code, QR code and roster. `?admin` opens the old single-class table,
 * which takes the admin token instead.
 */
export default function InstructorHome({ lessons }: { lessons: CourseLesson[] }) {
  const hydrated = useHydrated();
  const [admin, setAdmin] = useState(false);
  const [account, setAccount] = useState<Account>({ state: 'checking' });
  const [selected, setSelected] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  /** This tab is signing out: the roster stream's "signed-out" is no news then. */
  const signingOut = useRef(false);

  const refresh = useCallback(
    (select?: string) =>
      listClasses().then(
        (classes) => {
          setAccount({ state: 'signed-in', classes });
          setError(undefined);
          setSelected((now) => select ?? now ?? classes.find((c) => !c.over)?.id);
        },
        (err: unknown) => {
          setAccount({ state: 'signed-out' });
          if (!notSignedIn(err)) setError(describeError(err));
        },
      ),
    [],
  );

  useEffect(() => {
    setAdmin(new URLSearchParams(window.location.search).has('admin'));
    void refresh();
  }, [refresh]);

  if (admin)
    return (
      <>
        <p>
          <a href="/instructor/">Back to instructor sign-in</a>
        </p>
        <InstructorDashboard lessons={lessons} />
      </>
    );

  if (account.state !== 'signed-in')
    return (
      <>
        {error && (
          <p className="hub-error" role="alert">
            {error}
          </p>
        )}
        {account.state === 'checking' ? (
          <p>Checking your sign-in…</p>
        ) : (
          <SignInForm hydrated={hydrated} onSignedIn={() => void refresh()} />
        )}
        <p className="instructor-admin-link">
          <a href="/instructor/?admin">Admin token</a> (the single class view of every active learner)
        </p>
      </>
    );

  const current = account.classes.find((c) => c.id === selected);
  return (
    <div className="instructor-home">
      <p>
        <button
          type="button"
          className="button"
          disabled={!hydrated}
          onClick={() => {
            signingOut.current = true;
            signOut()
              .then(
                () => {
                  setSelected(undefined);
                  setAccount({ state: 'signed-out' });
                },
                (err: unknown) => setError(describeError(err)),
              )
              .finally(() => (signingOut.current = false));
          }}
        >
          Sign out
        </button>
      </p>
      {error && (
        <p className="hub-error" role="alert">
          {error}
        </p>
      )}
      <section aria-labelledby="classes-title">
        <h2 id="classes-title">Your classes</h2>
        {account.classes.length === 0 ? (
          <p>No class yet: make one below.</p>
        ) : (
          <table className="class-table classes-table">
            <thead>
              <tr>
                <th scope="col">Class</th>
                <th scope="col">Code</th>
                <th scope="col">Learners</th>
                <th scope="col">State</th>
                <th scope="col">
                  <span className="visually-hidden">Show</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {account.classes.map((c) => (
                <tr key={c.id} aria-current={c.id === selected ? 'true' : undefined}>
                  <th scope="row">{c.name}</th>
                  <td className="class-code-cell">{c.code}</td>
                  <td>
                    {c.learners} of {c.capacity}
                  </td>
                  <td>{c.over ? 'ended' : 'running'}</td>
                  <td>
                    <button
                      type="button"
                      className="button"
                      disabled={!hydrated || c.id === selected}
                      aria-label={`Show ${c.name}`}
                      onClick={() => setSelected(c.id)}
                    >
                      Show
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {current && (
        <ClassPanel
          key={current.id}
          found={current}
          lessons={lessons}
          hydrated={hydrated}
          onEnded={() => void refresh(current.id)}
          onSignedOut={() => {
            // The stream's word may come before this tab's own sign-out has its answer.
            if (signingOut.current) return;
            setSelected(undefined);
            setAccount({ state: 'signed-out' });
            setError('You were signed out (in another tab, or your sign-in expired): sign in again.');
          }}
        />
      )}
      <NewClassForm lessons={lessons} hydrated={hydrated} onCreated={(id) => void refresh(id)} />
      <InstructorReports lessons={lessons} hydrated={hydrated} />
    </div>
  );
}
