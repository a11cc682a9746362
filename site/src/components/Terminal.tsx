import { useCallback, useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import type { Terminal as XTerm } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { describeError } from '../lib/api.ts';
import {
  discardSession,
  getSession,
  onLinePlace,
  revalidateSession,
  type LinePlace,
  type Session,
} from '../lib/session.ts';
import { onSessionNotice } from '../lib/session-notices.ts';
import {
  learnerTerminalPath,
  TerminalConnection,
  type ConnectionStatus,
} from '../lib/terminal-connection.ts';
import { lastNonEmptyLines } from '../lib/reports.ts';
import { machineNamesFor } from '../lib/lesson-machines.ts';
import {
  registerTerminal,
  registerTerminalLines,
  setActiveTerminal,
  setTerminalReady,
} from '../lib/terminal-store.ts';
import {
  activateTab,
  addTab,
  closeTab,
  endTab,
  fetchTabs,
  firstTabs,
  fromServer,
  machinesOf,
  openTab,
  readTabs,
  storeTabs,
  tabKey,
  tabLabel,
  type TabList,
  type TerminalTab,
} from '../lib/terminal-tabs.ts';
import { openXtermView } from '../lib/xterm-view.ts';
import FileEditor from './FileEditor.tsx';

const dim = (text: string) => `\x1b[2m${text}\x1b[0m`;
const red = (text: string) => `\x1b[31m${text}\x1b[0m`;

/** A panel beside the terminals in the tab strip (the file editor): its tab comes after theirs. */
export interface WorkbenchPanel {
  /** Unique among the panels; used in element ids. */
  id: string;
  /** The tab's name, e.g. "Editor". */
  label: string;
  /** The panel's content; `inFront` says whether its tab is the one shown (it stays mounted when not). */
  render: (inFront: boolean) => ReactNode;
}

export interface TerminalProps {
  /** The lesson the page shows; a new session is created for it if the learner has none. */
  lesson: string;
  /**
   * How many machines the lesson wants (its frontmatter's `machines`, 1 when unset): with more than
   * one, the lesson has a session of its own and each machine its own tabs.
   */
  machines?: number;
  /** The "Editor" tab, for the files of the learner's home folder (on unless turned off). */
  editor?: boolean;
  /** More panels in the tab strip, after the terminal tabs (and the editor). */
  panels?: WorkbenchPanel[];
}

/**
 * The learner's workbench: terminal tabs on each of the session's machines (each a shell of its own,
 * kept over reloads in tmux), "+" for another on the machine in front, and any extra panels. Only the
 * tab in front is shown, so the page has one visible region named "Terminal".
 */
export default function Terminal({
  lesson,
  machines: machineCount = 1,
  editor = true,
  panels: extraPanels = [],
}: TerminalProps) {
  const baseId = useId();
  const [session, setSession] = useState<Session | undefined>();
  // The names the server will give until it has (the page renders the tabs before the session is known).
  const machines = session?.machines ?? machineNamesFor(machineCount);
  const several = machines.length > 1;
  const machineList = machines.join(', ');
  const panels: WorkbenchPanel[] = [
    ...(editor && session
      ? [
          {
            id: 'editor',
            label: 'Editor',
            // With several machines, the editor starts on the machine of the terminal last in front
            // (it mounts as it first comes to the front) and has a picker for the others.
            render: (inFront: boolean) => (
              <FileEditor
                key={session.id}
                sessionId={session.id}
                token={session.token}
                active={inFront}
                machines={session.machines}
                machine={list.active.machine}
              />
            ),
          },
        ]
      : []),
    ...extraPanels,
  ];
  const [list, setList] = useState<TabList>(() => firstTabs(machineNamesFor(machineCount)));
  /** An extra panel in front, instead of a terminal. */
  const [panelInFront, setPanelInFront] = useState<string | undefined>();
  const [tabError, setTabError] = useState<string | undefined>();
  /** Bumped by Fresh machine: every terminal mounts anew, the first one throwing the old machines away first. */
  const [generation, setGeneration] = useState(0);
  const discardPending = useRef(false);
  const tabId = useCallback((key: string) => `${baseId}-tab-${key}`, [baseId]);
  const panelId = (key: string) => `${baseId}-panel-${key}`;

  const resolveSession = useCallback(() => {
    getSession(lesson, machineCount).then(
      (resolved) => {
        setSession(resolved);
        // The machines the server named, each with its first tab at least, the tab in front kept.
        setList(
          (shown) => readTabs(resolved.id, resolved.machines) ?? fromServer(shown, resolved.machines, {}),
        );
        Promise.all(resolved.machines.map((machine) => fetchTabs(resolved, machine))).then(
          (tabs) => {
            const serverTabs = Object.fromEntries(
              resolved.machines.map((machine, at) => [machine, tabs[at]!]),
            );
            // Against the tabs shown now, which the learner may have switched while the list came.
            setList((shown) => fromServer(shown, resolved.machines, serverTabs));
          },
          () => undefined, // the terminal itself says what is wrong with the machine
        );
      },
      () => undefined,
    );
  }, [lesson, machineCount]);
  useEffect(resolveSession, [resolveSession]);

  useEffect(() => {
    if (session) storeTabs(session.id, list);
    setActiveTerminal(tabKey(list.active));
  }, [session, list]);

  const show = useCallback((tab: TerminalTab) => {
    setPanelInFront(undefined);
    setList((shown) => activateTab(shown, tab));
  }, []);

  const newTerminal = useCallback(() => {
    setTabError(undefined);
    if (!session) return;
    // On the machine of the terminal in front (the last one shown, while a panel is in front).
    openTab(session, list.active.machine).then(
      (tab) => {
        setPanelInFront(undefined);
        setList((shown) => addTab(shown, tab));
      },
      (error: unknown) => setTabError(describeError(error)),
    );
  }, [session, list.active.machine]);

  const closeTerminal = useCallback(
    (tab: TerminalTab) => {
      setTabError(undefined);
      // Its socket goes first (the tab unmounts), so it does not reconnect to the ending shell.
      const next = closeTab(list, tab);
      setList(next);
      // The close button is gone with its tab: the keyboard goes to the tab now in front.
      if (panelInFront === undefined)
        requestAnimationFrame(() => document.getElementById(tabId(`t${tabKey(next.active)}`))?.focus());
      if (session) endTab(session, tab).catch((error: unknown) => setTabError(describeError(error)));
    },
    [session, list, panelInFront, tabId],
  );

  const freshMachine = useCallback(() => {
    const sure = window.confirm(
      several
        ? `Start over on fresh machines? Everything in ${machineList} (files, images, containers, every terminal) is thrown away. Your lesson progress is kept.`
        : 'Start over on a fresh machine? Everything in this one (files, images, containers, every terminal) is thrown away. Your lesson progress is kept.',
    );
    if (!sure) return;
    discardPending.current = true;
    setTabError(undefined);
    setPanelInFront(undefined);
    setList((shown) => firstTabs(machinesOf(shown)));
    setGeneration((n) => n + 1);
  }, [several, machineList]);
  const discard = useCallback(async () => {
    // Every machine of the session goes; the other machines' terminals wait for the fresh session.
    await discardSession(lesson, machineCount);
    resolveSession();
  }, [lesson, machineCount, resolveSession]);

  const terminalEntries = list.tabs.map((tab) => ({
    key: `t${tabKey(tab)}`,
    label: tabLabel(tab, machines),
    tab,
  }));
  const entries = [
    ...terminalEntries,
    ...panels.map((panel) => ({ key: `p${panel.id}`, label: panel.label, tab: undefined })),
  ];
  const keys = entries.map((entry) => entry.key);
  const inFront = panelInFront !== undefined ? `p${panelInFront}` : `t${tabKey(list.active)}`;
  // A panel mounts the first time it comes to the front (the editor then lists the files), and stays.
  const [opened, setOpened] = useState<ReadonlySet<string>>(() => new Set());
  useEffect(() => {
    if (panelInFront !== undefined && !opened.has(panelInFront))
      setOpened(new Set([...opened, panelInFront]));
  }, [panelInFront, opened]);
  const select = (key: string) => {
    const entry = entries.find((candidate) => candidate.key === key);
    if (entry?.tab) show(entry.tab);
    else setPanelInFront(key.slice(1));
  };
  // Arrow keys, Home and End move between tabs (the ARIA tabs pattern, automatic activation).
  const onTabKey = (event: KeyboardEvent<HTMLButtonElement>) => {
    const at = keys.indexOf(inFront);
    const to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: keys.length - 1 }[event.key];
    if (to === undefined) return;
    event.preventDefault();
    const key = keys[(to + keys.length) % keys.length]!;
    select(key);
    document.getElementById(tabId(key))?.focus();
  };

  return (
    <div className="terminal-workbench">
      <div className="terminal-tabs">
        <div role="tablist" aria-label="Workbench">
          {entries.map(({ key, label }) => (
            <button
              key={key}
              type="button"
              role="tab"
              className="terminal-tab"
              id={tabId(key)}
              aria-selected={inFront === key}
              aria-controls={panelId(key)}
              tabIndex={inFront === key ? 0 : -1}
              onClick={() => select(key)}
              onKeyDown={onTabKey}
            >
              {label}
            </button>
          ))}
        </div>
        {/* Outside the tablist (which holds only tabs): closes the terminal in front, never a machine's first. */}
        {panelInFront === undefined && list.active.tab !== 1 && (
          <button
            type="button"
            className="terminal-tab-close"
            aria-label={`Close ${tabLabel(list.active, machines)}`}
            title={`Close ${tabLabel(list.active, machines)} (ends its shell)`}
            onClick={() => closeTerminal(list.active)}
          >
            ×
          </button>
        )}
        <button
          type="button"
          className="terminal-tab-new"
          aria-label="New terminal"
          title={
            several ? `Open another shell on ${list.active.machine}` : 'Open another shell on this machine'
          }
          onClick={newTerminal}
          disabled={!session}
        >
          +
        </button>
        <p className="terminal-tabs-error" role="alert">
          {tabError}
        </p>
      </div>
      {terminalEntries.map(({ key, tab }, index) => {
        return (
          <div
            key={`${generation}-${key}`}
            role="tabpanel"
            id={panelId(key)}
            aria-labelledby={tabId(key)}
            hidden={inFront !== key}
            className="terminal-tabpanel"
          >
            <TerminalTab
              lesson={lesson}
              machineCount={machineCount}
              machine={tab.machine}
              tab={tab.tab}
              visible={inFront === key}
              discardFirst={index === 0 ? discardPending : undefined}
              discard={discard}
              onFreshMachine={freshMachine}
            />
          </div>
        );
      })}
      {panels.map((panel) => {
        const key = `p${panel.id}`;
        return (
          <div
            key={key}
            role="tabpanel"
            id={panelId(key)}
            aria-labelledby={tabId(key)}
            hidden={inFront !== key}
            className="terminal-tabpanel"
          >
            {opened.has(panel.id) ? panel.render(inFront === key) : null}
          </div>
        );
      })}
    </div>
  );
}

interface TerminalTabProps {
  lesson: string;
  /** The lesson's machine count, which picks its session (getSession). */
  machineCount: number;
  /** The session's machine this shell runs on. */
  machine: string;
  tab: number;
  visible: boolean;
  /** Set by Fresh machine: this tab throws the machine away (`discard`) before it connects. */
  discardFirst?: { current: boolean };
  discard: () => Promise<void>;
  onFreshMachine: () => void;
}

/** A live shell on the learner's sandbox (one terminal tab), filling its container. */
function TerminalTab({
  lesson,
  machineCount,
  machine,
  tab,
  visible,
  discardFirst,
  discard,
  onFreshMachine,
}: TerminalTabProps) {
  const hostRef = useRef<HTMLDivElement>(null);
  const connectionRef = useRef<TerminalConnection | null>(null);
  const termRef = useRef<XTerm | null>(null);
  const [status, setStatus] = useState<ConnectionStatus>({ kind: 'starting' });
  const [linePlace, setLinePlace] = useState<LinePlace | undefined>();
  useEffect(() => onLinePlace(setLinePlace), []);
  /** Why the machine the learner had is gone; shown over the terminal until they dismiss it. */
  const [notice, setNotice] = useState<string | undefined>();
  /** Whether the learner's instructor is typing in this terminal now (watch and help, issue 9). */
  const [helperTyping, setHelperTyping] = useState(false);

  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;

    const view = openXtermView(host);
    const term = view.term;

    const key = tabKey({ machine, tab });
    const connection = new TerminalConnection({
      socketPath: learnerTerminalPath(
        ({ revalidate }) => {
          if (revalidate) revalidateSession();
          return getSession(lesson, machineCount);
        },
        tab,
        machine,
      ),
      write: (bytes, rendered) => term.write(bytes, rendered),
      size: () => ({ cols: term.cols, rows: term.rows }),
      onStatus: (next) => {
        setStatus(next);
        setTerminalReady(next.kind === 'ready', key);
        // A new socket is told afresh if the instructor still types.
        if (next.kind !== 'ready') setHelperTyping(false);
        if (next.kind === 'exited')
          term.write(`\r\n${dim('[terminal closed: the shell exited — press Enter for a new one]')}\r\n`);
      },
      onServerError: (message) => term.write(`\r\n${red(`[${message}]`)}\r\n`),
      onHelper: setHelperTyping,
      describeError,
      isVisible: () => document.visibilityState === 'visible',
    });
    connectionRef.current = connection;
    termRef.current = term;

    const input = term.onData((data) => {
      if (connection.hasExited) {
        if (data.includes('\r')) connection.connect();
        return;
      }
      connection.sendInput(data);
    });
    const resized = term.onResize(({ cols, rows }) => connection.resize(cols, rows));

    const unregister = registerTerminal((text) => {
      connection.sendInput(text);
    }, key);
    // "Report a problem" may attach what the learner sees: the active buffer (tmux uses the alternate one).
    const unregisterLines = registerTerminalLines(() => lastNonEmptyLines(term.buffer.active), key);
    // Not written into the terminal: tmux redraws the whole screen when it attaches, so a line
    // written before the new machine connects would be gone before anyone read it.
    const stopNotices = onSessionNotice(({ message }) => setNotice(message));
    const onVisibility = () => connection.visibilityChanged();
    document.addEventListener('visibilitychange', onVisibility);
    if (discardFirst?.current) {
      discardFirst.current = false;
      void connection.startOver(discard);
    } else connection.connect();

    return () => {
      unregister();
      unregisterLines();
      stopNotices();
      document.removeEventListener('visibilitychange', onVisibility);
      input.dispose();
      resized.dispose();
      connection.dispose();
      connectionRef.current = null;
      termRef.current = null;
      view.dispose();
    };
    // Mounted once per tab and machine: `discard` and `discardFirst` are read at mount only.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [lesson, machineCount, machine, tab]);

  // A tab brought to front takes the keyboard, as a terminal the learner clicked would (not the
  // first one as the page loads: the learner may be reading the lesson).
  const wasVisible = useRef(visible);
  useEffect(() => {
    if (visible && !wasVisible.current) termRef.current?.focus();
    wasVisible.current = visible;
  }, [visible]);

  const retry = useCallback(() => connectionRef.current?.connect(), []);
  const dismissNotice = useCallback(() => {
    setNotice(undefined);
    termRef.current?.focus();
  }, []);
  return (
    <section className="terminal" aria-label="Terminal">
      <button
        type="button"
        className="terminal-start-over"
        onClick={onFreshMachine}
        disabled={status.kind === 'starting'}
        title="Throw this machine away and start on a fresh one"
      >
        Fresh machine
      </button>
      {helperTyping && (
        <p className="terminal-helper" role="status" style={helperBannerStyle}>
          Your instructor is typing in your terminal
        </p>
      )}
      <div className="terminal-host" ref={hostRef} />
      <TerminalOverlay
        status={status}
        linePlace={linePlace}
        onRetry={retry}
        notice={notice}
        onDismiss={dismissNotice}
      />
    </section>
  );
}

/** Over the terminal's top edge, clear of the Fresh machine button; only ever rendered in the browser. */
const helperBannerStyle = {
  position: 'absolute',
  top: '0.4rem',
  left: '0.9rem',
  zIndex: 2,
  margin: 0,
  padding: '0.2rem 0.6rem',
  fontSize: '0.8rem',
  borderRadius: '0.25rem',
  background: 'var(--terminal-foreground)',
  color: 'var(--terminal-background)',
} as const;

function TerminalOverlay({
  status,
  linePlace,
  onRetry,
  notice,
  onDismiss,
}: {
  status: ConnectionStatus;
  linePlace: LinePlace | undefined;
  onRetry: () => void;
  notice: string | undefined;
  onDismiss: () => void;
}) {
  const message = linePlace && status.kind !== 'ready' ? lineMessage(linePlace) : overlayMessage(status);
  const visible = message !== undefined || notice !== undefined;
  return (
    <div className="terminal-overlay" data-visible={visible} role="status" aria-live="polite">
      {notice !== undefined && <p>{notice}</p>}
      {message !== undefined && <p>{message}</p>}
      {status.kind === 'failed' && (
        <button type="button" className="button" onClick={onRetry}>
          Retry
        </button>
      )}
      {notice !== undefined && message === undefined && (
        <button type="button" className="button" onClick={onDismiss}>
          Continue
        </button>
      )}
    </div>
  );
}

function overlayMessage(status: ConnectionStatus): string | undefined {
  switch (status.kind) {
    case 'starting':
      return 'Starting your machine…';
    case 'reconnecting':
      return 'Reconnecting…';
    case 'failed':
      return `Your machine could not be started: ${status.message}`;
    case 'ready':
    case 'exited':
      return undefined;
  }
}

/** "You are number 3 in line…": every machine is taken and the learner waits for the next free one. */
function lineMessage({ position, estimatedWaitSeconds }: LinePlace): string {
  const minutes = Math.max(1, Math.round(estimatedWaitSeconds / 60));
  const wait =
    estimatedWaitSeconds < 60 ? 'less than a minute' : `about ${minutes} minute${minutes === 1 ? '' : 's'}`;
  return `Every machine is in use. You are number ${position} in line, ${wait}. Read the lesson meanwhile: the terminal connects by itself when a machine is yours.`;
}
