import { apiRequest } from './api.ts';
import type { Session } from './session.ts';

/** The terminal tabs the page shows for one session, and which one is in front. */
export interface TabList {
  /** Tab numbers, ascending; tab 1 always. */
  tabs: number[];
  active: number;
}

export const firstTabs: TabList = { tabs: [1], active: 1 };

/** What a tab is called on screen and to assistive technology. */
export const tabLabel = (tab: number): string => `Terminal ${tab}`;

const sorted = (tabs: Iterable<number>) => [...new Set([1, ...tabs])].sort((a, b) => a - b);

/** A tab opened (by "+", or found on the server): it is added and, if `activate`, brought to front. */
export function addTab(list: TabList, tab: number, activate = true): TabList {
  return { tabs: sorted([...list.tabs, tab]), active: activate ? tab : list.active };
}

/** A tab closed: its neighbour (the one before it, else after) comes to front if it was in front. */
export function closeTab(list: TabList, tab: number): TabList {
  if (tab === 1 || !list.tabs.includes(tab)) return list;
  const at = list.tabs.indexOf(tab);
  const tabs = list.tabs.filter((t) => t !== tab);
  const active = list.active === tab ? (tabs[at - 1] ?? tabs[at] ?? 1) : list.active;
  return { tabs, active };
}

/** Brings an open tab to front; an unknown one changes nothing. */
export function activateTab(list: TabList, tab: number): TabList {
  return list.tabs.includes(tab) ? { ...list, active: tab } : list;
}

/**
 * After a reload: the server's tabs are the truth (a tab closed in another browser tab is gone,
 * one opened there appears); the remembered front tab stays in front while it is open.
 */
export function fromServer(remembered: TabList | undefined, serverTabs: number[]): TabList {
  const tabs = sorted(serverTabs);
  const active = remembered && tabs.includes(remembered.active) ? remembered.active : 1;
  return { tabs, active };
}

const storageKey = (sessionId: string) => `dockyard.terminal-tabs.${sessionId}`;

/** The tabs this browser tab showed for a session (sessionStorage: per browser tab, kept over reloads). */
export function readTabs(
  sessionId: string,
  storage: Pick<Storage, 'getItem'> = sessionStorage,
): TabList | undefined {
  try {
    const value: unknown = JSON.parse(storage.getItem(storageKey(sessionId)) ?? 'null');
    if (typeof value !== 'object' || value === null) return undefined;
    const { tabs, active } = value as Record<string, unknown>;
    if (!Array.isArray(tabs) || !tabs.every((t) => Number.isInteger(t) && t >= 1 && t <= 99))
      return undefined;
    const list = { tabs: sorted(tabs as number[]), active: 1 };
    return typeof active === 'number' ? activateTab(list, active) : list;
  } catch {
    return undefined;
  }
}

export function storeTabs(
  sessionId: string,
  list: TabList,
  storage: Pick<Storage, 'setItem'> = sessionStorage,
): void {
  try {
    storage.setItem(storageKey(sessionId), JSON.stringify(list));
  } catch {
    // Storage refused (private browsing): the server's list still brings the tabs back.
  }
}

const terminalsPath = (session: Session) => `/api/sessions/${encodeURIComponent(session.id)}/terminals`;

/** The tabs open in the machine (`GET …/terminals`). */
export async function fetchTabs(session: Session): Promise<number[]> {
  const { tabs } = await apiRequest<{ tabs: number[] }>(terminalsPath(session), { token: session.token });
  return tabs;
}

/** Opens the next tab (`POST …/terminals`); past the limit, an ApiError with the server's sentence. */
export async function openTab(session: Session): Promise<number> {
  const { tab } = await apiRequest<{ tab: number }>(terminalsPath(session), {
    method: 'POST',
    token: session.token,
  });
  return tab;
}

/** Ends a tab's shell (`DELETE …/terminals/{tab}`). */
export async function endTab(session: Session, tab: number): Promise<void> {
  await apiRequest<void>(`${terminalsPath(session)}/${tab}`, { method: 'DELETE', token: session.token });
}
