import { useEffect, useId, useState, type FormEvent } from 'react';
import { createPortal } from 'react-dom';
import { describeError } from '../lib/api.ts';
import { REPORT_TERMINAL_LINES, sendReport } from '../lib/reports.ts';
import { terminalLines } from '../lib/terminal-store.ts';

export interface ReportProblemsProps {
  /** The lesson's slug, course or class lesson. */
  lesson: string;
  /** The element whose `##` headings each get a control (a CSS selector, or the element). */
  root: string | HTMLElement | null;
  /** Anything whose change re-renders the headings (a class lesson's HTML): the controls are placed again. */
  content?: unknown;
}

interface Place {
  host: HTMLElement;
  section: string;
}

/**
 * "Report a problem" after every `##` heading of a lesson's page: one island for the page, each
 * control a portal into a slot placed after its heading, so the page's static HTML is untouched
 * until the island runs and the sections cost no hydration of their own.
 */
export default function ReportProblems({ lesson, root, content }: ReportProblemsProps) {
  const [places, setPlaces] = useState<Place[]>([]);

  useEffect(() => {
    const container = typeof root === 'string' ? document.querySelector<HTMLElement>(root) : root;
    if (!container) return;
    const found = [...container.querySelectorAll('h2')].map((heading) => {
      const host = document.createElement('div');
      host.className = 'report-problem-slot';
      heading.after(host);
      return { host, section: (heading.textContent ?? '').trim().slice(0, 200) };
    });
    setPlaces(found);
    return () => {
      setPlaces([]);
      for (const { host } of found) host.remove();
    };
  }, [root, content]);

  return (
    <>
      {places.map(({ host, section }, index) =>
        createPortal(<ReportProblem lesson={lesson} section={section} />, host, `${index}:${section}`),
      )}
    </>
  );
}

type Sending =
  { kind: 'idle' } | { kind: 'sending' } | { kind: 'sent' } | { kind: 'failed'; message: string };

/** One section's disclosure: what went wrong, optionally the terminal's last lines, and Send. */
export function ReportProblem({ lesson, section }: { lesson: string; section: string }) {
  const id = useId();
  const [text, setText] = useState('');
  const [attach, setAttach] = useState(false);
  const [state, setState] = useState<Sending>({ kind: 'idle' });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const lines = attach ? terminalLines() : [];
    setState({ kind: 'sending' });
    sendReport({ lesson, section, text, ...(lines.length ? { terminal: lines.join('\n') } : {}) }).then(
      () => {
        setText('');
        setAttach(false);
        setState({ kind: 'sent' });
      },
      (err: unknown) => setState({ kind: 'failed', message: describeError(err) }),
    );
  };

  return (
    <details className="report-problem">
      <summary>Report a problem</summary>
      <form onSubmit={submit}>
        <label htmlFor={`${id}-text`}>What went wrong?</label>
        <textarea
          id={`${id}-text`}
          value={text}
          required
          maxLength={4000}
          rows={3}
          onChange={(e) => {
            setText(e.target.value);
            if (state.kind === 'sent') setState({ kind: 'idle' });
          }}
        />
        <label className="report-problem-attach">
          <input type="checkbox" checked={attach} onChange={(e) => setAttach(e.target.checked)} /> Attach my
          last {REPORT_TERMINAL_LINES} terminal lines
        </label>
        <button type="submit" className="button" disabled={state.kind === 'sending' || text.trim() === ''}>
          Send report
        </button>
        <p role="status" aria-live="polite" className="report-problem-status">
          {state.kind === 'sending' && 'Sending…'}
          {state.kind === 'sent' && 'Thank you: your report was sent.'}
        </p>
        {state.kind === 'failed' && (
          <p className="hub-error" role="alert">
            {state.message}
          </p>
        )}
      </form>
    </details>
  );
}
