import { useEffect, useState } from 'react';
import { formatBytes } from '../../../engine/src/bytes.ts';
import { describeError } from '../lib/api.ts';
import {
  deleteOwnRepository,
  formatAge,
  getLibrary,
  getOwnRepositories,
  type HubRepository,
  type OwnRepositories,
} from '../lib/hub.ts';

function TagTable({ repository }: { repository: HubRepository }) {
  return (
    <table className="hub-tags">
      <thead>
        <tr>
          <th scope="col">Tag</th>
          <th scope="col">Size</th>
          <th scope="col">Pushed</th>
        </tr>
      </thead>
      <tbody>
        {repository.tags.map((t) => (
          <tr key={t.tag}>
            <td>
              <code>{t.tag}</code>
            </td>
            <td>{formatBytes(t.sizeBytes, 'decimal')}</td>
            <td>{t.pushedAt ? formatAge(t.pushedAt) : '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The Hub page: the learner's repositories (refreshable) and the lab's image library. */
export default function HubBrowser() {
  const [own, setOwn] = useState<OwnRepositories | undefined>();
  const [library, setLibrary] = useState<HubRepository[] | undefined>();
  const [error, setError] = useState<string | undefined>();

  const refresh = () => {
    setError(undefined);
    getOwnRepositories().then(setOwn, (e: unknown) => setError(describeError(e)));
    getLibrary().then(
      (l) => setLibrary(l.repositories),
      (e: unknown) => setError(describeError(e)),
    );
  };
  useEffect(refresh, []);

  const remove = (name: string) => {
    if (!window.confirm(`Delete ${name} and all its tags from the hub? This cannot be undone.`)) return;
    setError(undefined);
    deleteOwnRepository(name).then(refresh, (e: unknown) => setError(describeError(e)));
  };

  return (
    <div className="hub">
      <section aria-labelledby="own-heading">
        <h2 id="own-heading">Your repositories{own ? ` (${own.username})` : ''}</h2>
        <button type="button" className="button" onClick={refresh}>
          Refresh
        </button>
        {error && (
          <p className="hub-error" role="alert">
            {error}
          </p>
        )}
        {own && (
          <p data-testid="hub-usage">
            Space used: {formatBytes(own.usedBytes, 'decimal')}
            {own.quotaBytes !== null && ` of ${formatBytes(own.quotaBytes, 'decimal')}`}
            {own.quotaBytes !== null &&
              own.usedBytes >= own.quotaBytes &&
              ' — full: delete a repository before you push again.'}
          </p>
        )}
        {own && own.repositories.length === 0 && (
          <p>
            Nothing pushed yet. In your terminal: <code>docker login</code>, then{' '}
            <code>docker push {own.username}/my-first-docker-image</code>.
          </p>
        )}
        {own?.repositories.map((r) => (
          <article key={r.name} className="hub-repo" aria-label={r.name}>
            <h3>{r.name}</h3>
            <p>
              <code>docker pull {r.name}</code> — private: only you can pull it.
            </p>
            <TagTable repository={r} />
            <button type="button" className="button button-danger" onClick={() => remove(r.name)}>
              Delete repository
            </button>
          </article>
        ))}
      </section>
      <section aria-labelledby="library-heading">
        <h2 id="library-heading">Library</h2>
        <p>
          Official-style images, built for this lab from Debian packages. Pull them by their plain name.
          Ubuntu and Oracle&apos;s MySQL are not here: use <code>debian</code> and <code>mariadb</code>.
        </p>
        {!library && !error && <p>Loading the library…</p>}
        {library?.map((r) => (
          <article key={r.name} className="hub-repo" aria-label={r.name}>
            <h3>{r.name}</h3>
            <p>{r.description}</p>
            <p>
              <code>docker pull {r.name}</code>
            </p>
            <TagTable repository={r} />
          </article>
        ))}
      </section>
    </div>
  );
}
