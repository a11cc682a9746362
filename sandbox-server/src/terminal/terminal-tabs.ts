import { ApiError, badRequest } from '../http/api-error.ts';

/** Terminals a session may have open at once when DOCKYARD_TERMINAL_TABS is not set. */
export const DEFAULT_TERMINAL_TABS = 4;

/**
 * The tmux session behind terminal tab `tab`. Tab 1 is `main`, the session that has always been
 * the learner's shell: the instructor's watch and help attach to it, and an older page's socket
 * (no `tab`) lands there too.
 */
export function tmuxSessionName(tab: number): string {
  return tab === 1 ? 'main' : `tab${tab}`;
}

/** The tab a tmux session name stands for, or undefined for a session Dockyard did not make. */
export function tabOfSession(name: string, max: number): number | undefined {
  if (name === 'main') return 1;
  const match = /^tab([2-9]|[1-9][0-9])$/.exec(name);
  const tab = match ? Number(match[1]) : undefined;
  return tab !== undefined && tab <= max ? tab : undefined;
}

/**
 * Reads a tab number as the terminal routes take it (`?tab=2`, `/terminals/2`): a whole number
 * from 1 to `max`, written plainly (no sign, no leading zero). A missing query value is tab 1.
 */
export function parseTab(raw: string | null | undefined, max: number): number {
  if (raw === null || raw === undefined) return 1;
  if (!/^[1-9][0-9]?$/.test(raw) || Number(raw) > max)
    throw badRequest(`A terminal tab is a number from 1 to ${max}, not "${raw.slice(0, 20)}".`, 'tab');
  return Number(raw);
}

/** The sentence a learner reads when every terminal the machine allows is open. */
export function tooManyTabs(max: number): ApiError {
  return new ApiError(
    429,
    'too_many_terminals',
    `This machine has ${max} terminal${max === 1 ? '' : 's'} open, the most it allows: close one first.`,
  );
}

/** The lowest tab number not in `open`, or undefined when all `max` are taken. */
export function nextFreeTab(open: readonly number[], max: number): number | undefined {
  for (let tab = 1; tab <= max; tab++) if (!open.includes(tab)) return tab;
  return undefined;
}

/** Lists the learner's tmux sessions, one name a line (nothing, not an error, before the first). */
export const LIST_TABS_SCRIPT = "tmux list-sessions -F '#{session_name}' 2>/dev/null; true";

/** The open tabs in `tmux list-sessions` output, in order; tab 1 always (it is made on attach). */
export function parseTabList(stdout: string, max: number): number[] {
  const tabs = new Set([1]);
  for (const line of stdout.split('\n')) {
    const tab = tabOfSession(line.trim(), max);
    if (tab !== undefined) tabs.add(tab);
  }
  return [...tabs].sort((a, b) => a - b);
}

/**
 * Makes the tmux session of `tab` (detached), with the same environment the attach gives, so the
 * tab is listed at once and its shell keeps running before any page attaches.
 */
export function newTabScript(tab: number): string {
  return (
    'cd "$HOME" && LANG=C.UTF-8 TERM=xterm-256color' +
    ` tmux -u new-session -d -s ${tmuxSessionName(tab)} 2>/dev/null || tmux has-session -t =${tmuxSessionName(tab)}`
  );
}

/** Ends the tmux session of `tab` (its shell and what runs in it); quiet when it is gone already. */
export function closeTabScript(tab: number): string {
  if (tab === 1) throw new Error('Terminal 1 is never closed.');
  return `tmux kill-session -t =${tmuxSessionName(tab)} 2>/dev/null; true`;
}
