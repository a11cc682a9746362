import { useEffect, useState } from 'react';
import { describeError } from '../lib/api.ts';
import { getHubCredentials, type HubCredentials } from '../lib/hub.ts';

/** The learner's hub login, beside the terminal: what `docker login` asks for. */
export default function HubPanel({ lesson }: { lesson: string }) {
  const [credentials, setCredentials] = useState<HubCredentials | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [shown, setShown] = useState(false);

  useEffect(() => {
    getHubCredentials(lesson).then(setCredentials, (e: unknown) => setError(describeError(e)));
  }, [lesson]);

  return (
    <details className="hub-panel" aria-label="Hub">
      <summary>Hub login</summary>
      {error && <p className="hub-error">{error}</p>}
      {!error && !credentials && <p>Loading your hub account…</p>}
      {credentials && (
        <dl>
          <dt>Registry</dt>
          <dd>
            <code>{credentials.registry}</code> (just run <code>docker login</code>)
          </dd>
          <dt>Username</dt>
          <dd>
            <code data-testid="hub-username">{credentials.username}</code>
          </dd>
          <dt>Password</dt>
          <dd>
            <code data-testid="hub-password">{shown ? credentials.password : '••••••••••'}</code>{' '}
            <button type="button" className="button" onClick={() => setShown(!shown)}>
              {shown ? 'Hide' : 'Show'}
            </button>{' '}
            <button
              type="button"
              className="button"
              onClick={() => void navigator.clipboard?.writeText(credentials.password)}
            >
              Copy password
            </button>
          </dd>
        </dl>
      )}
      <p>
        <a href="/hub/">Your repositories on the hub</a>
      </p>
    </details>
  );
}
