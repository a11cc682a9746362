import dgram from 'node:dgram';
import { logger } from '../logger.ts';

/**
 * Builds the answer of the lab's DNS to one query: "no such name" (NXDOMAIN), at once. Sandboxes
 * have no way out, so without it every lookup of an outside name (a typo, `ping example.com`,
 * `pip install`) would hang until the resolver times out; lab names come from /etc/hosts.
 * Returns undefined for packets that are not a standard query.
 */
export function nxdomainAnswer(query: Buffer): Buffer | undefined {
  if (query.length < 12 || query.length > 512) return undefined;
  const flags = query.readUInt16BE(2);
  const isResponse = (flags & 0x8000) !== 0;
  const opcode = (flags >> 11) & 0xf;
  const questions = query.readUInt16BE(4);
  if (isResponse || opcode !== 0 || questions !== 1) return undefined;
  // Walk the one question (labels, then type and class) so the answer echoes exactly it.
  let offset = 12;
  while (offset < query.length && query[offset] !== 0) {
    const length = query[offset]!;
    if (length > 63) return undefined;
    offset += length + 1;
  }
  const end = offset + 1 + 4;
  if (end > query.length) return undefined;
  const answer = Buffer.alloc(end);
  query.copy(answer, 0, 0, end);
  const recursionDesired = flags & 0x0100;
  answer.writeUInt16BE(0x8000 | recursionDesired | 0x0080 | 3, 2); // QR, RD, RA, NXDOMAIN
  answer.writeUInt16BE(1, 4);
  answer.writeUInt32BE(0, 6); // no answers, no authority
  answer.writeUInt16BE(0, 10); // no additional records
  return answer;
}

/** Serves the lab DNS on UDP; a port taken by another Dockyard server on this host is shared. */
export function startLabDns(port: number): { close: () => void } {
  const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
  socket.on('message', (msg, rinfo) => {
    const answer = nxdomainAnswer(msg);
    if (answer) socket.send(answer, rinfo.port, rinfo.address);
  });
  socket.on('error', (err) => logger.warn({ err, port }, 'lab DNS not served by this process'));
  socket.bind(port, '0.0.0.0', () => logger.info({ port }, 'lab DNS up'));
  return { close: () => socket.close() };
}
