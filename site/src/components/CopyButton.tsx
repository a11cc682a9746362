import { useCopyNotice } from '../lib/use-copy-notice.ts';

export interface CopyButtonProps {
  /** What the button copies. */
  text: string;
  /** The id of the element that shows the text, which describes the button. */
  codeId: string;
  /** The text's name in the advice shown when copying fails, such as 'the command'. */
  what: string;
}

/** The Copy button of a code block, with the status line that says whether it worked. */
export default function CopyButton({ text, codeId, what }: CopyButtonProps) {
  const { notice, copy } = useCopyNotice(what);
  return (
    <>
      <button type="button" className="button" aria-describedby={codeId} onClick={() => void copy(text)}>
        Copy
      </button>
      <span className="run-command-notice" role="status">
        {notice}
      </span>
    </>
  );
}
