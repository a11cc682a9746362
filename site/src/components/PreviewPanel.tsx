import { useId, useState } from 'react';
import { describeError } from '../lib/api.ts';
import { openPreview } from '../lib/course-api.ts';

export interface PreviewPanelProps {
  lesson: string;
  port: number;
}

type PreviewState =
  | { kind: 'closed' }
  | { kind: 'opening' }
  | { kind: 'open'; url: string; generation: number }
  | { kind: 'error'; message: string };

/** Shows what listens on a port of the learner's machine, through the server's preview proxy. */
export default function PreviewPanel({ lesson, port }: PreviewPanelProps) {
  const headingId = useId();
  const [state, setState] = useState<PreviewState>({ kind: 'closed' });
  const title = `Preview of port ${port}`;

  // Asking for a ticket each time also renews the cookie after a server restart or a new session.
  const open = async () => {
    const generation = state.kind === 'open' ? state.generation + 1 : 0;
    if (state.kind !== 'open') setState({ kind: 'opening' });
    try {
      setState({ kind: 'open', url: await openPreview(lesson, port), generation });
    } catch (error) {
      setState({ kind: 'error', message: describeError(error) });
    }
  };

  return (
    <section className="preview" aria-labelledby={headingId} data-port={port}>
      <p className="exercise-label">Preview</p>
      <h3 id={headingId} className="exercise-title">
        {title}
      </h3>
      <div className="exercise-actions">
        {state.kind === 'open' ? (
          <>
            <button type="button" className="button" onClick={() => void open()}>
              Reload
            </button>
            <a className="button" href={state.url} target="_blank" rel="noopener">
              Open in a new tab
            </a>
          </>
        ) : (
          <button
            type="button"
            className="button button-primary"
            onClick={() => void open()}
            disabled={state.kind === 'opening'}
            aria-busy={state.kind === 'opening'}
          >
            Open preview
          </button>
        )}
      </div>
      {state.kind === 'error' && <p className="exercise-error">{state.message}</p>}
      {state.kind === 'open' && (
        <iframe key={state.generation} className="preview-frame" title={title} src={state.url} />
      )}
    </section>
  );
}
