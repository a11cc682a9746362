import { useId, useRef, useState } from 'react';
import { runInTerminal } from '../lib/terminal-store.ts';
import { useSubstituted } from '../lib/use-lesson-vars.ts';

export interface RunCommandProps {
  command: string;
  /** The lesson the page shows, to fill placeholders such as {{hub.username}}. */
  lesson?: string;
}

const copiedNoticeMs = 2000;

/** A command from the lesson text, with buttons to run it in the terminal or copy it. */
export default function RunCommand({ command: template, lesson }: RunCommandProps) {
  const codeId = useId();
  const command = useSubstituted(template, lesson);
  const [notice, setNotice] = useState('');
  const noticeTimer = useRef<ReturnType<typeof setTimeout>>(undefined);

  const showNotice = (text: string) => {
    setNotice(text);
    clearTimeout(noticeTimer.current);
    noticeTimer.current = setTimeout(() => setNotice(''), copiedNoticeMs);
  };

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(command);
      showNotice('Copied');
    } catch {
      showNotice('Copy failed: select the command and copy it by hand.');
    }
  };

  return (
    <div className="run-command">
      <pre>
        <code id={codeId}>{command}</code>
      </pre>
      <div className="run-command-actions">
        <button
          type="button"
          className="button button-primary"
          aria-describedby={codeId}
          onClick={() => runInTerminal(command)}
        >
          Run
        </button>
        <button type="button" className="button" aria-describedby={codeId} onClick={() => void copy()}>
          Copy
        </button>
        <span className="run-command-notice" role="status">
          {notice}
        </span>
      </div>
    </div>
  );
}
