import { useEffect, useState } from 'react';
import { JOINED_EVENT, JOINED_KEY } from '../lib/class-join.ts';

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
    let source: EventSource | undefined;
    const open = () => {
      source?.close();
      source = new EventSource('/api/learner/events');
      source.addEventListener('broadcast', (event) => {
        try {
          setLatest(JSON.parse((event as MessageEvent<string>).data) as Broadcast);
        } catch {
          // A malformed event is dropped; the next one shows.
        }
      });
    };
    // A page opened before its learner joined a class (the join URL's page itself) was refused
    // the stream, and EventSource does not retry a refusal: open it again once they join, here
    // or in another tab.
    const onStorage = (e: StorageEvent) => e.key === JOINED_KEY && open();
    window.addEventListener(JOINED_EVENT, open);
    window.addEventListener('storage', onStorage);
    open();
    return () => {
      window.removeEventListener(JOINED_EVENT, open);
      window.removeEventListener('storage', onStorage);
      source?.close();
    };
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
