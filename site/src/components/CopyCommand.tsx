import { useId } from 'react';
import { useSubstituted } from '../lib/use-lesson-vars.ts';
import CopyButton from './CopyButton.tsx';

export interface CopyCommandProps {
  text: string;
  /** The lesson the page shows, to fill placeholders such as {{hub.username}}. */
  lesson?: string;
}

/** A code block with a Copy button, for text the learner pastes somewhere other than the terminal. */
export default function CopyCommand({ text, lesson }: CopyCommandProps) {
  const codeId = useId();
  const shown = useSubstituted(text, lesson);

  return (
    <div className="run-command copy-block">
      <pre>
        <code id={codeId}>{shown}</code>
      </pre>
      <div className="run-command-actions">
        <CopyButton text={shown} codeId={codeId} what="the text" />
      </div>
    </div>
  );
}
