import { useId } from 'react';
import { runInTerminal } from '../lib/terminal-store.ts';
import { useSubstituted } from '../lib/use-lesson-vars.ts';
import CopyButton from './CopyButton.tsx';

export interface RunCommandProps {
  command: string;
  /** The lesson the page shows, to fill placeholders such as {{hub.username}}. */
  lesson?: string;
}

/** A command from the lesson text, with buttons to run it in the terminal or copy it. */
export default function RunCommand({ command: template, lesson }: RunCommandProps) {
  const codeId = useId();
  const command = useSubstituted(template, lesson);

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
        <CopyButton text={command} codeId={codeId} what="the command" />
      </div>
    </div>
  );
}
