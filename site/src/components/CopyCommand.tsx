import { useId, useRef, useState } from 'react';
import { useSubstituted } from '../lib/use-lesson-vars.ts';

export interface CopyCommandProps {
  text: string;
  /** The lesson the page shows, to fill placeholders such as {{hub.username}}. */
  lesson?: string;
}

const noticeMs = 2000;

/** A code block with a Copy button, for text the learner pastes somewhere other than the terminal. */
export default function CopyCommand({ text, lesson }: CopyCommandProps) {
  const codeId = useId();
  const shown = useSubstituted(text, lesson);
  const [notice, setNotice] = useState('');
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);

  const copy = async () => {
    let message = 'Copied';
    try {
      await navigator.clipboard.writeText(shown);
    } catch {
      message = 'Copy failed: select the text and copy it by hand.';
    }
    setNotice(message);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => setNotice(''), noticeMs);
  };

  return (
    <div className="run-command copy-block">
      <pre>
        <code id={codeId}>{shown}</code>
      </pre>
      <div className="run-command-actions">
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
