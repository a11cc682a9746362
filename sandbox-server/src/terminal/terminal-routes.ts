import { SEGMENT, bearerToken, json, type Route } from '../http/http-routing.ts';
import type { SessionManager } from '../sessions/session-manager.ts';
import type { TerminalTickets } from './terminal-tickets.ts';

/** `POST /api/sessions/{id}/terminal-ticket`: the bearer token traded for a one-use WebSocket ticket. */
export function terminalRoutes(sessions: SessionManager, tickets: TerminalTickets): Route[] {
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
  ];
}
