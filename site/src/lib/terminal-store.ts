// The one way islands drive the terminal: the Terminal registers a sender, <Run> buttons call
// runInTerminal. ES modules are shared between the islands of a page, so this state is too.

type Sender = (text: string) => void;

let sender: Sender | undefined;
let reader: (() => string[]) | undefined;
let ready = false;
const pending: string[] = [];

/** Called by the Terminal island; returns the function that unregisters it. */
export function registerTerminal(send: Sender): () => void {
  sender = send;
  return () => {
    if (sender !== send) return;
    sender = undefined;
    ready = false;
  };
}

/** The Terminal reports whether its shell is attached; queued commands go out once it is. */
export function setTerminalReady(isReady: boolean): void {
  ready = isReady;
  if (!ready || !sender) return;
  for (const text of pending.splice(0)) sender(text);
}

/** Whether the page's terminal is attached to the learner's shell now (a machine is up). */
export function isTerminalReady(): boolean {
  return ready && sender !== undefined;
}

/** Types a command into the terminal and presses Enter, now or as soon as the shell is attached. */
export function runInTerminal(command: string): void {
  const text = `${command.replace(/\r?\n/g, '\r')}\r`;
  if (sender && ready) sender(text);
  else pending.push(text);
}

/**
 * The Terminal island lends a reader of its buffer's last lines (a report attaches them); returns the
 * function that takes it back.
 */
export function registerTerminalLines(read: () => string[]): () => void {
  reader = read;
  return () => {
    if (reader === read) reader = undefined;
  };
}

/** The page's terminal's last non-empty lines, oldest first; none when the page has no terminal. */
export function terminalLines(): string[] {
  return reader?.() ?? [];
}
