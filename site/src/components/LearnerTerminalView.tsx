import { useEffect, useRef, useState } from 'react';
import '@xterm/xterm/css/xterm.css';
import { describeError } from '../lib/api.ts';
import { learnerTerminalSocketPath } from '../lib/classes.ts';
import { TerminalConnection, type ConnectionStatus } from '../lib/terminal-connection.ts';
import { openXtermView } from '../lib/xterm-view.ts';

export type TerminalMode = 'watch' | 'help';

const red = (text: string) => `\x1b[31m${text}\x1b[0m`;

function statusLine(status: ConnectionStatus, name: string, mode: TerminalMode): string {
  switch (status.kind) {
    case 'starting':
      return `Opening ${name}'s terminal…`;
    case 'reconnecting':
      return 'Reconnecting…';
    case 'failed':
      return status.message;
    case 'exited':
      return `${name}'s terminal closed.`;
    case 'ready':
      return mode === 'watch'
        ? `Watching ${name}'s terminal (read-only). They are not told.`
        : `Helping: what you type goes to ${name}'s shell, and their page says their instructor is typing.`;
  }
}

/**
 * A learner's terminal as their instructor sees it: live and read-only when watching, and typed
 * into when helping. It never detaches the learner or changes their window size (the server's
 * tmux client for it ignores size).
 */
export default function LearnerTerminalView({
  classId,
  learner,
  name,
  mode,
  onMode,
  onClose,
}: {
  classId: string;
  learner: string;
  name: string;
  mode: TerminalMode;
  onMode: (mode: TerminalMode) => void;
  onClose: () => void;
}) {
  const hostRef = useRef<HTMLDivElement>(null);
  const sectionRef = useRef<HTMLElement>(null);
  const [status, setStatus] = useState<ConnectionStatus>({ kind: 'starting' });

  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    // Opened from a roster row further down: bring it into view (xterm draws nothing off screen).
    sectionRef.current?.scrollIntoView({ block: 'nearest' });
    const view = openXtermView(host, { readOnly: mode === 'watch' });
    const term = view.term;
    const connection = new TerminalConnection({
      socketPath: async () => learnerTerminalSocketPath(classId, learner, mode),
      write: (bytes, rendered) => term.write(bytes, rendered),
      size: () => ({ cols: term.cols, rows: term.rows }),
      onStatus: setStatus,
      onServerError: (message) => term.write(`\r\n${red(`[${message}]`)}\r\n`),
      describeError,
      // The instructor's view says nothing about the learner being there.
      isVisible: () => false,
    });
    const input = term.onData((data) => mode === 'help' && connection.sendInput(data));
    connection.connect();
    if (mode === 'help') term.focus();
    return () => {
      input.dispose();
      connection.dispose();
      view.dispose();
    };
  }, [classId, learner, mode]);

  return (
    <section ref={sectionRef} className="learner-terminal" aria-label={`${name}'s terminal`}>
      <div className="learner-terminal-bar">
        <p role="status" className="learner-terminal-status">
          {statusLine(status, name, mode)}
        </p>
        {mode === 'watch' ? (
          <button type="button" className="button" onClick={() => onMode('help')}>
            Type in it (help)
          </button>
        ) : (
          <button type="button" className="button" onClick={() => onMode('watch')}>
            Stop typing (watch)
          </button>
        )}
        <button type="button" className="button" onClick={onClose}>
          Close
        </button>
      </div>
      <div className="terminal learner-terminal-screen">
        <div className="terminal-host" ref={hostRef} />
      </div>
    </section>
  );
}
