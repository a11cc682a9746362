import type { IncomingMessage } from 'node:http';
import { SEGMENT, bearerToken, json, type Route } from '../http/http-routing.ts';
import { badRequest } from '../http/api-error.ts';
import type { SessionManager } from '../sessions/session-manager.ts';
import {
  LIST_TABS_SCRIPT,
  closeTabScript,
  newTabScript,
  nextFreeTab,
  parseTab,
  parseTabList,
  tooManyTabs,
} from './terminal-tabs.ts';
import type { TerminalTickets } from './terminal-tickets.ts';

export interface TerminalRoutesOptions {
  sessions: SessionManager;
  tickets: TerminalTickets;
  /** Terminal tabs a session may have open at once (DOCKYARD_TERMINAL_TABS). */
  maxTabs: number;
}

/**
 * `POST /api/sessions/{id}/terminal-ticket`: the bearer token traded for a one-use WebSocket ticket.
 * `GET|POST /api/sessions/{id}/terminals` and `DELETE …/terminals/{tab}`: the session's terminal
 * tabs, each a tmux session of the learner's in the sandbox (docs/api.md).
 */
export function terminalRoutes({ sessions, tickets, maxTabs }: TerminalRoutesOptions): Route[] {
  /** The learner's tmux commands run one at a time per session: two quick "+" get two tabs. */
  const queues = new Map<string, Promise<unknown>>();
  const inTurn = <T>(id: string, work: () => Promise<T>): Promise<T> => {
    const result = (queues.get(id) ?? Promise.resolve()).then(work, work);
    const settled = result.catch(() => undefined);
    queues.set(id, settled);
    void settled.then(() => {
      if (queues.get(id) === settled) queues.delete(id);
    });
    return result;
  };
  const runAsLearner = async (id: string, machine: string, script: string) => {
    await sessions.requireReady(id);
    return sessions.sandbox(id, machine).exec(script, { user: 'learner', timeoutMs: 10_000 });
  };
  const openTabs = async (id: string, machine: string) =>
    parseTabList((await runAsLearner(id, machine, LIST_TABS_SCRIPT)).stdout, maxTabs);
  /** The machine a call names (`?machine=node2`), node1 when it names none; a 400 for one it lacks. */
  const machineOf = (req: IncomingMessage, id: string) =>
    sessions.requireMachine(id, new URL(req.url ?? '/', 'http://x').searchParams.get('machine'));
  /** Each machine's tabs change one at a time. */
  const turn = (id: string, machine: string) => `${id}/${machine}`;

  return [
    {
      method: 'POST',
      pattern: new RegExp(`^/api/sessions/${SEGMENT}/terminal-ticket$`),
      handler: async (req, res, [id]) => {
        sessions.authorize(id!, bearerToken(req));
        const { ticket, expiresAt } = tickets.issue(id!);
        json(res, 201, { ticket, expiresAt: new Date(expiresAt).toISOString() });
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/api/sessions/${SEGMENT}/terminals$`),
      handler: async (req, res, [id]) => {
        sessions.authorize(id!, bearerToken(req));
        const machine = machineOf(req, id!);
        const tabs = await inTurn(turn(id!, machine), () => openTabs(id!, machine));
        json(res, 200, { tabs, max: maxTabs });
      },
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/api/sessions/${SEGMENT}/terminals$`),
      handler: async (req, res, [id]) => {
        sessions.authorize(id!, bearerToken(req));
        const machine = machineOf(req, id!);
        const tab = await inTurn(turn(id!, machine), async () => {
          const tab = nextFreeTab(await openTabs(id!, machine), maxTabs);
          if (tab === undefined) throw tooManyTabs(maxTabs);
          await runAsLearner(id!, machine, newTabScript(tab));
          return tab;
        });
        json(res, 201, { tab });
      },
    },
    {
      method: 'DELETE',
      pattern: new RegExp(`^/api/sessions/${SEGMENT}/terminals/${SEGMENT}$`),
      handler: async (req, res, [id, raw]) => {
        sessions.authorize(id!, bearerToken(req));
        const machine = machineOf(req, id!);
        const tab = parseTab(raw, maxTabs);
        if (tab === 1)
          throw badRequest('Terminal 1 stays open: it is the first shell of the machine.', 'tab');
        await inTurn(turn(id!, machine), () => runAsLearner(id!, machine, closeTabScript(tab)));
        json(res, 204);
      },
    },
  ];
}
