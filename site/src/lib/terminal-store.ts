// The one way islands drive the terminal: each terminal tab registers a sender, <Run> buttons call
// runInTerminal, which types into the tab in front. ES modules are shared between the islands of a
// page, so this state is too. A tab is known by its key among every machine's tabs (`node2:3`,
// terminal-tabs' `tabKey`).

type Sender = (text: string) => void;

const senders = new Map<string, Sender>();
const readers = new Map<string, () => string[]>();
const readyTabs = new Set<string>();
let activeTab: string | undefined;
const pending: string[] = [];

/** Called by a terminal tab; returns the function that unregisters it. */
export function registerTerminal(send: Sender, tab: string): () => void {
  senders.set(tab, send);
  return () => {
    if (senders.get(tab) !== send) return;
    senders.delete(tab);
    readyTabs.delete(tab);
  };
}

/** A tab reports whether its shell is attached; queued commands go out once the front one is. */
export function setTerminalReady(isReady: boolean, tab: string): void {
  if (isReady) readyTabs.add(tab);
  else readyTabs.delete(tab);
  flush();
}

/** The tab strip says which tab is in front: Run buttons type there from now on. */
export function setActiveTerminal(tab: string): void {
  activeTab = tab;
  flush();
}

/** Whether the terminal in front is attached to one of the learner's shells now (a machine is up). */
export function isTerminalReady(): boolean {
  return activeTab !== undefined && readyTabs.has(activeTab) && senders.has(activeTab);
}

/** Types a command into the terminal in front and presses Enter, now or once its shell is attached. */
export function runInTerminal(command: string): void {
  const text = `${command.replace(/\r?\n/g, '\r')}\r`;
  pending.push(text);
  flush();
}

function flush(): void {
  if (activeTab === undefined) return;
  const send = senders.get(activeTab);
  if (!send || !readyTabs.has(activeTab)) return;
  for (const text of pending.splice(0)) send(text);
}

/**
 * The Terminal island lends a reader of its buffer's last lines (a report attaches them); returns the
 * function that takes it back.
 */
export function registerTerminalLines(read: () => string[], tab: string): () => void {
  readers.set(tab, read);
  return () => {
    if (readers.get(tab) === read) readers.delete(tab);
  };
}

/** The last non-empty lines of the terminal in front (else the first one), oldest first; none when the page has no terminal. */
export function terminalLines(): string[] {
  const read =
    (activeTab === undefined ? undefined : readers.get(activeTab)) ?? readers.values().next().value;
  return read?.() ?? [];
}
