import crypto from 'node:crypto';

/** A ticket opens the terminal once, within this long of being issued. */
export const TICKET_TTL_MS = 30_000;
/** At most this many tickets wait at once; the oldest goes first. */
const MAX_TICKETS = 10_000;

/**
 * One-use, short-lived tickets for the terminal WebSocket. The page trades its bearer token for one
 * (POST, the token in a header) and puts only the ticket in the WebSocket URL, so the token never
 * lands in a proxy's access log; a ticket there is spent or stale by the time anyone reads it.
 */
export class TerminalTickets {
  private readonly tickets = new Map<string, { sessionId: string; expiresAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  issue(sessionId: string): { ticket: string; expiresAt: number } {
    const at = this.now();
    for (const [ticket, entry] of this.tickets) {
      if (entry.expiresAt > at && this.tickets.size < MAX_TICKETS) break;
      this.tickets.delete(ticket); // the Map keeps issue order: expired or oldest first
    }
    const ticket = crypto.randomBytes(16).toString('base64url');
    const expiresAt = at + TICKET_TTL_MS;
    this.tickets.set(ticket, { sessionId, expiresAt });
    return { ticket, expiresAt };
  }

  /** Spends a ticket: true once, for its own session, before it expires. */
  redeem(ticket: string, sessionId: string): boolean {
    const entry = this.tickets.get(ticket);
    if (!entry) return false;
    this.tickets.delete(ticket);
    return entry.sessionId === sessionId && entry.expiresAt > this.now();
  }
}
