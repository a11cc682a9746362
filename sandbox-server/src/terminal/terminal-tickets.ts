import crypto from 'node:crypto';
import { ExpiringMap } from '../expiring-map.ts';

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
  /** Ticket → the session it opens. */
  private readonly tickets: ExpiringMap<string, string>;

  constructor(now: () => number = Date.now) {
    this.tickets = new ExpiringMap({ ttlMs: TICKET_TTL_MS, maxEntries: MAX_TICKETS }, now);
  }

  issue(sessionId: string): { ticket: string; expiresAt: number } {
    const ticket = crypto.randomBytes(16).toString('base64url');
    return { ticket, expiresAt: this.tickets.set(ticket, sessionId) };
  }

  /** Spends a ticket: true once, for its own session, before it expires. */
  redeem(ticket: string, sessionId: string): boolean {
    return this.tickets.take(ticket) === sessionId;
  }
}
