import { Terminal as XTerm } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { readTerminalTheme } from './terminal-theme.ts';

const resizeDebounceMs = 100;

/** An xterm.js terminal filling `host`, refitted when the host changes size. */
export interface XtermView {
  term: XTerm;
  dispose: () => void;
}

/**
 * Opens xterm.js in `host` with the course's theme and font, fitted to it and kept fitted. The
 * learner's terminal and an instructor's view of it look the same; `readOnly` hides the cursor
 * and takes no keystrokes (watch mode).
 */
export function openXtermView(
  host: HTMLElement,
  { readOnly = false }: { readOnly?: boolean } = {},
): XtermView {
  const term = new XTerm({
    cursorBlink: !readOnly,
    disableStdin: readOnly,
    fontFamily: getComputedStyle(host).getPropertyValue('--font-mono').trim() || 'monospace',
    fontSize: 14,
    scrollback: 5000,
    theme: readTerminalTheme(host),
  });
  const fit = new FitAddon();
  term.loadAddon(fit);
  term.loadAddon(new WebLinksAddon());
  term.open(host);
  // A host not shown (a terminal tab behind another) has no size: fitting would shrink the shell's
  // window to 2×1. It is fitted when it shows.
  const fitIfShown = () => {
    if (host.clientWidth > 0 && host.clientHeight > 0) fit.fit();
  };
  fitIfShown();

  let resizeTimer: ReturnType<typeof setTimeout> | undefined;
  const observer = new ResizeObserver(() => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(fitIfShown, resizeDebounceMs);
  });
  observer.observe(host);

  return {
    term,
    dispose: () => {
      clearTimeout(resizeTimer);
      observer.disconnect();
      term.dispose();
    },
  };
}
