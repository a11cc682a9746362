import { useCallback, useEffect, useRef, useState } from 'react';
import type { Terminal as XTerm } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { describeError } from '../lib/api.ts';
import {
  discardSession,
  getSession,
  onLinePlace,
  revalidateSession,
  type LinePlace,
} from '../lib/session.ts';
import { onSessionNotice } from '../lib/session-notices.ts';
import {
  learnerTerminalPath,
  TerminalConnection,
  type ConnectionStatus,
} from '../lib/terminal-connection.ts';
import { lastNonEmptyLines } from '../lib/reports.ts';
import { registerTerminal, registerTerminalLines, setTerminalReady } from '../lib/terminal-store.ts';
import { openXtermView } from '../lib/xterm-view.ts';

export interface TerminalProps {
  /** The lesson the page shows; a new session is created for it if the learner has none. */
  lesson: string;
}

const dim = (text: string) => `\x1b[2m${text}\x1b[0m`;
const red = (text: string) => `\x1b[31m${text}\x1b[0m`;

/** A live shell on the learner's sandbox, filling its container. */
export default function Terminal({ lesson }: TerminalProps) {
  const hostRef = useRef<HTMLDivElement>(null);
  const connectionRef = useRef<TerminalConnection | null>(null);
  const termRef = useRef<XTerm | null>(null);
  const [status, setStatus] = useState<ConnectionStatus>({ kind: 'starting' });
  const [linePlace, setLinePlace] = useState<LinePlace | undefined>();
  useEffect(() => onLinePlace(setLinePlace), []);
  /** Why the machine the learner had is gone; shown over the terminal until they dismiss it. */
  const [notice, setNotice] = useState<string | undefined>();
  /** Whether the learner's instructor is typing in this terminal now (watch and help, issue 9). */
  const [helperTyping, setHelperTyping] = useState(false);

  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;

    const view = openXtermView(host);
    const term = view.term;

    const connection = new TerminalConnection({
      socketPath: learnerTerminalPath(({ revalidate }) => {
        if (revalidate) revalidateSession();
        return getSession(lesson);
      }),
      write: (bytes, rendered) => term.write(bytes, rendered),
      size: () => ({ cols: term.cols, rows: term.rows }),
      onStatus: (next) => {
        setStatus(next);
        setTerminalReady(next.kind === 'ready');
        // A new socket is told afresh if the instructor still types.
        if (next.kind !== 'ready') setHelperTyping(false);
        if (next.kind === 'exited')
          // tmux ends this client both when the shell exits and when another tab attaches.
          term.write(
            `\r\n${dim('[terminal closed: the shell exited, or it was opened in another tab — press Enter to bring it back here]')}\r\n`,
          );
      },
      onServerError: (message) => term.write(`\r\n${red(`[${message}]`)}\r\n`),
      onHelper: setHelperTyping,
      describeError,
      isVisible: () => document.visibilityState === 'visible',
    });
    connectionRef.current = connection;
    termRef.current = term;

    const input = term.onData((data) => {
      if (connection.hasExited) {
        if (data.includes('\r')) connection.connect();
        return;
      }
      connection.sendInput(data);
    });
    const resized = term.onResize(({ cols, rows }) => connection.resize(cols, rows));

    const unregister = registerTerminal((text) => {
      connection.sendInput(text);
    });
    // "Report a problem" may attach what the learner sees: the active buffer (tmux uses the alternate one).
    const unregisterLines = registerTerminalLines(() => lastNonEmptyLines(term.buffer.active));
    // Not written into the terminal: tmux redraws the whole screen when it attaches, so a line
    // written before the new machine connects would be gone before anyone read it.
    const stopNotices = onSessionNotice(({ message }) => setNotice(message));
    const onVisibility = () => connection.visibilityChanged();
    document.addEventListener('visibilitychange', onVisibility);
    connection.connect();

    return () => {
      unregister();
      unregisterLines();
      stopNotices();
      document.removeEventListener('visibilitychange', onVisibility);
      input.dispose();
      resized.dispose();
      connection.dispose();
      connectionRef.current = null;
      termRef.current = null;
      view.dispose();
    };
  }, [lesson]);

  const retry = useCallback(() => connectionRef.current?.connect(), []);
  const dismissNotice = useCallback(() => {
    setNotice(undefined);
    termRef.current?.focus();
  }, []);
  const startOver = useCallback(() => {
    const connection = connectionRef.current;
    if (!connection) return;
    const sure = window.confirm(
      'Start over on a fresh machine? Everything in this one (files, images, containers) is thrown away. Your lesson progress is kept.',
    );
    if (!sure) return;
    termRef.current?.reset();
    void connection.startOver(discardSession);
  }, []);

  return (
    <section className="terminal" aria-label="Terminal">
      <button
        type="button"
        className="terminal-start-over"
        onClick={startOver}
        disabled={status.kind === 'starting'}
        title="Throw this machine away and start on a fresh one"
      >
        Fresh machine
      </button>
      {helperTyping && (
        <p className="terminal-helper" role="status" style={helperBannerStyle}>
          Your instructor is typing in your terminal
        </p>
      )}
      <div className="terminal-host" ref={hostRef} />
      <TerminalOverlay
        status={status}
        linePlace={linePlace}
        onRetry={retry}
        notice={notice}
        onDismiss={dismissNotice}
      />
    </section>
  );
}

/** Over the terminal's top edge, clear of the Fresh machine button; only ever rendered in the browser. */
const helperBannerStyle = {
  position: 'absolute',
  top: '0.4rem',
  left: '0.9rem',
  zIndex: 2,
  margin: 0,
  padding: '0.2rem 0.6rem',
  fontSize: '0.8rem',
  borderRadius: '0.25rem',
  background: 'var(--terminal-foreground)',
  color: 'var(--terminal-background)',
} as const;

function TerminalOverlay({
  status,
  linePlace,
  onRetry,
  notice,
  onDismiss,
}: {
  status: ConnectionStatus;
  linePlace: LinePlace | undefined;
  onRetry: () => void;
  notice: string | undefined;
  onDismiss: () => void;
}) {
  const message = linePlace && status.kind !== 'ready' ? lineMessage(linePlace) : overlayMessage(status);
  const visible = message !== undefined || notice !== undefined;
  return (
    <div className="terminal-overlay" data-visible={visible} role="status" aria-live="polite">
      {notice !== undefined && <p>{notice}</p>}
      {message !== undefined && <p>{message}</p>}
      {status.kind === 'failed' && (
        <button type="button" className="button" onClick={onRetry}>
          Retry
        </button>
      )}
      {notice !== undefined && message === undefined && (
        <button type="button" className="button" onClick={onDismiss}>
          Continue
        </button>
      )}
    </div>
  );
}

function overlayMessage(status: ConnectionStatus): string | undefined {
  switch (status.kind) {
    case 'starting':
      return 'Starting your machine…';
    case 'reconnecting':
      return 'Reconnecting…';
    case 'failed':
      return `Your machine could not be started: ${status.message}`;
    case 'ready':
    case 'exited':
      return undefined;
  }
}

/** "You are number 3 in line…": every machine is taken and the learner waits for the next free one. */
function lineMessage({ position, estimatedWaitSeconds }: LinePlace): string {
  const minutes = Math.max(1, Math.round(estimatedWaitSeconds / 60));
  const wait =
    estimatedWaitSeconds < 60 ? 'less than a minute' : `about ${minutes} minute${minutes === 1 ? '' : 's'}`;
  return `Every machine is in use. You are number ${position} in line, ${wait}. Read the lesson meanwhile: the terminal connects by itself when a machine is yours.`;
}
