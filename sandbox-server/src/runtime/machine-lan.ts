import { createHash } from 'node:crypto';

// The network of a session with several machines (a lesson's `machines`): on Incus, a bridge of
// its own (`dkn…`) with no address on the host, as each machine's eth1. The host firewall
// (lab/firewall.ts) and a cluster member's gateway (lab/member-gateway.ts) drop whatever it sends
// the host and route none of it, so its machines reach each other there, and nothing else.

/** The start of every such bridge's name (never `dy`: the Docker runtime's firewall takes `dy+`). */
export const LAN_PREFIX = 'dkn';
/** The subnet every such network uses, each on a bridge of its own. */
export const LAN_SUBNET = '10.77.0.0/24';
export const LAN_PREFIX_LENGTH = 24;

/** The bridge of a session: the prefix and 12 hex digits of its id's hash (15 characters at most). */
export const lanName = (sessionId: string): string =>
  LAN_PREFIX + createHash('sha256').update(sessionId).digest('hex').slice(0, 12);

/** A machine's address on its session's network (node1 is 10.77.0.11, node2 .12…). */
export const lanAddress = (machine: string): string => `10.77.0.${10 + Number(machine.slice(4))}`;
