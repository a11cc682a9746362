import { useEffect, useState } from 'react';

/** What `event: broadcast` on `/api/learner/events` carries. */
interface Broadcast {
  message: string;
  at: string;
  className: string;
}

/**
 * The instructor's latest message to the class, as a banner the learner can dismiss. It listens on
 * the learner's event stream; a browser that is in no class (or has no learner cookie yet) simply
 * gets nothing.
 */
export default function ClassBanner() {
  const [latest, setLatest] = useState<Broadcast | undefined>();

  useEffect(() => {
    if (typeof EventSource === 'undefined') return;
    const source = new EventSource('/api/learner/events');
    source.addEventListener('broadcast', (event) => {
      try {
        setLatest(JSON.parse((event as MessageEvent<string>).data) as Broadcast);
      } catch {
        // A malformed event is dropped; the next one shows.
      }
    });
    return () => source.close();
  }, []);

  return (
    // A named live region (not a `status`: pages have their own): announced when a message comes.
    <div
      role="region"
      aria-label="Messages from your instructor"
      aria-live="polite"
      className="class-banner-region"
    >
      {latest && (
        <div
          className="class-banner"
          style={{
            display: 'flex',
            gap: '0.75rem',
            alignItems: 'baseline',
            padding: '0.6rem 1rem',
            background: 'var(--surface)',
            borderBottom: '2px solid var(--accent)',
          }}
        >
          <span style={{ flex: 1, overflowWrap: 'anywhere' }}>
            <strong>{latest.className}:</strong> {latest.message}
          </span>
          <button
            type="button"
            className="button"
            aria-label="Dismiss the instructor's message"
            onClick={() => setLatest(undefined)}
          >
            Dismiss
          </button>
        </div>
      )}
    </div>
  );
}
