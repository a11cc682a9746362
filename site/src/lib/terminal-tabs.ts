import { apiRequest } from './api.ts';
import { firstMachine } from './lesson-machines.ts';
import type { Session } from './session.ts';

/** One terminal tab: a shell of its own on one of the session's machines (tabs numbered from 1 per machine). */
export interface TerminalTab {
  machine: string;
  tab: number;
}

/** The terminal tabs the page shows for one session, and which one is in front. */
export interface TabList {
  /** By machine (in the session's order), then by number; each machine's tab 1 always. */
  tabs: TerminalTab[];
  active: TerminalTab;
}

/** Each machine's first shell, the first machine's in front. */
export function firstTabs(machines: readonly string[]): TabList {
  const tabs = machines.map((machine) => ({ machine, tab: 1 }));
  return { tabs, active: tabs[0] ?? { machine: firstMachine, tab: 1 } };
}

/** Identifies a tab among all machines' tabs, e.g. `node2:3` (element ids, the terminal store). */
export const tabKey = ({ machine, tab }: TerminalTab): string => `${machine}:${tab}`;

const sameTab = (a: TerminalTab) => (b: TerminalTab) => a.machine === b.machine && a.tab === b.tab;

/**
 * What a tab is called on screen and to assistive technology: "Terminal 2" on a session with one
 * machine; with several, the machine's name for its first shell ("node2") and "node2 · 3" for more.
 */
export function tabLabel({ machine, tab }: TerminalTab, machines: readonly string[]): string {
  if (machines.length <= 1) return `Terminal ${tab}`;
  return tab === 1 ? machine : `${machine} · ${tab}`;
}

/** The tabs of the session's machines only, each machine's tab 1 among them, deduplicated and in order. */
function ordered(machines: readonly string[], tabs: TerminalTab[]): TerminalTab[] {
  const all = [...machines.map((machine) => ({ machine, tab: 1 })), ...tabs].filter(({ machine }) =>
    machines.includes(machine),
  );
  return all
    .filter((tab, at) => all.findIndex(sameTab(tab)) === at)
    .sort((a, b) => machines.indexOf(a.machine) - machines.indexOf(b.machine) || a.tab - b.tab);
}

/** The machines a tab list spans, in order (each machine's first tab is always in it). */
export const machinesOf = (list: TabList): string[] => [...new Set(list.tabs.map(({ machine }) => machine))];

/** A tab opened (by "+", or found on the server): it is added and, if `activate`, brought to front. */
export function addTab(list: TabList, tab: TerminalTab, activate = true): TabList {
  const machines = machinesOf(list);
  if (!machines.includes(tab.machine)) return list;
  return { tabs: ordered(machines, [...list.tabs, tab]), active: activate ? tab : list.active };
}

/**
 * A tab closed: its neighbour (the one before it, else after) comes to front if it was in front.
 * A machine's first tab never closes.
 */
export function closeTab(list: TabList, tab: TerminalTab): TabList {
  const at = list.tabs.findIndex(sameTab(tab));
  if (tab.tab === 1 || at < 0) return list;
  const tabs = list.tabs.filter((_, index) => index !== at);
  const active = sameTab(tab)(list.active) ? (tabs[at - 1] ?? tabs[at] ?? list.tabs[0]!) : list.active;
  return { tabs, active };
}

/** Brings an open tab to front; an unknown one changes nothing. */
export function activateTab(list: TabList, tab: TerminalTab): TabList {
  const open = list.tabs.find(sameTab(tab));
  return open ? { ...list, active: open } : list;
}

/**
 * After a reload: the server's tabs are the truth (a tab closed in another browser tab is gone,
 * one opened there appears); the remembered front tab stays in front while it is open.
 * `serverTabs` has each machine's tab numbers (`GET …/terminals?machine=`).
 */
export function fromServer(
  remembered: TabList | undefined,
  machines: readonly string[],
  serverTabs: Record<string, number[]>,
): TabList {
  const tabs = ordered(
    machines,
    machines.flatMap((machine) => (serverTabs[machine] ?? []).map((tab) => ({ machine, tab }))),
  );
  return activateTab({ tabs, active: tabs[0]! }, remembered?.active ?? tabs[0]!);
}

// One key per session (its machines are fixed), each tab naming its machine.
const storageKey = (sessionId: string) => `dockyard.terminal-tabs.${sessionId}`;

const isTab = (value: unknown): value is TerminalTab => {
  if (typeof value !== 'object' || value === null) return false;
  const { machine, tab } = value as Record<string, unknown>;
  return (
    typeof machine === 'string' && Number.isInteger(tab) && (tab as number) >= 1 && (tab as number) <= 99
  );
};

/**
 * The tabs this browser tab showed for a session (sessionStorage: per browser tab, kept over reloads),
 * on the session's `machines`.
 */
export function readTabs(
  sessionId: string,
  machines: readonly string[],
  storage?: Pick<Storage, 'getItem'>,
): TabList | undefined {
  try {
    const value: unknown = JSON.parse((storage ?? sessionStorage).getItem(storageKey(sessionId)) ?? 'null');
    if (typeof value !== 'object' || value === null) return undefined;
    const { tabs, active } = value as Record<string, unknown>;
    if (!Array.isArray(tabs) || !tabs.every(isTab)) return undefined;
    const list = { tabs: ordered(machines, tabs), active: firstTabs(machines).active };
    return isTab(active) ? activateTab(list, active) : list;
  } catch {
    return undefined;
  }
}

export function storeTabs(sessionId: string, list: TabList, storage?: Pick<Storage, 'setItem'>): void {
  try {
    (storage ?? sessionStorage).setItem(storageKey(sessionId), JSON.stringify(list));
  } catch {
    // Storage refused (private browsing): the server's list still brings the tabs back.
  }
}

/** `…/terminals` of one machine: the first machine's is the route without `?machine=`. */
const terminalsPath = (session: Session, machine: string, tab?: number) =>
  `/api/sessions/${encodeURIComponent(session.id)}/terminals${tab === undefined ? '' : `/${tab}`}` +
  (machine === firstMachine ? '' : `?machine=${encodeURIComponent(machine)}`);

/** The tabs open in one machine (`GET …/terminals`). */
export async function fetchTabs(session: Session, machine: string): Promise<number[]> {
  const { tabs } = await apiRequest<{ tabs: number[] }>(terminalsPath(session, machine), {
    token: session.token,
  });
  return tabs;
}

/** Opens the machine's next tab (`POST …/terminals`); past the limit, an ApiError with the server's sentence. */
export async function openTab(session: Session, machine: string): Promise<TerminalTab> {
  const { tab } = await apiRequest<{ tab: number }>(terminalsPath(session, machine), {
    method: 'POST',
    token: session.token,
  });
  return { machine, tab };
}

/** Ends a tab's shell (`DELETE …/terminals/{tab}`). */
export async function endTab(session: Session, { machine, tab }: TerminalTab): Promise<void> {
  await apiRequest<void>(terminalsPath(session, machine, tab), { method: 'DELETE', token: session.token });
}
