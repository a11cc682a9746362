import { useRef, useState } from 'react';

/** How long the notice stays after a copy. */
const noticeMs = 2000;

/**
 * Copies text to the clipboard and keeps a short notice for a status element: 'Copied', or, when
 * the browser refuses, how to copy by hand. `what` names the text in that advice ('the command').
 */
export function useCopyNotice(what: string): { notice: string; copy: (text: string) => Promise<void> } {
  const [notice, setNotice] = useState('');
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);

  const copy = async (text: string) => {
    let message = 'Copied';
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      message = `Copy failed: select ${what} and copy it by hand.`;
    }
    setNotice(message);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => setNotice(''), noticeMs);
  };

  return { notice, copy };
}
