import { describe, expect, it } from 'vitest';
import { TerminalTickets, TICKET_TTL_MS } from './terminal-tickets.ts';

describe('terminal tickets', () => {
  it('open their own session once', () => {
    const tickets = new TerminalTickets();
    const { ticket } = tickets.issue('a');
    expect(tickets.redeem(ticket, 'a')).toBe(true);
    expect(tickets.redeem(ticket, 'a')).toBe(false);
  });

  it('never open another session, and are spent by the try', () => {
    const tickets = new TerminalTickets();
    const { ticket } = tickets.issue('a');
    expect(tickets.redeem(ticket, 'b')).toBe(false);
    expect(tickets.redeem(ticket, 'a')).toBe(false);
    expect(tickets.redeem('made-up', 'a')).toBe(false);
  });

  it('expire after 30 seconds', () => {
    const clock = { now: 0 };
    const tickets = new TerminalTickets(() => clock.now);
    const early = tickets.issue('a').ticket;
    const late = tickets.issue('a').ticket;
    clock.now = TICKET_TTL_MS - 1;
    expect(tickets.redeem(early, 'a')).toBe(true);
    clock.now = TICKET_TTL_MS;
    expect(tickets.redeem(late, 'a')).toBe(false);
  });
});
