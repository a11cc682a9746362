import type { IncomingMessage } from 'node:http';
import net from 'node:net';

/** `::ffff:10.0.0.1` (an IPv4 client on a dual-stack socket) is `10.0.0.1`. */
const plain = (address: string) => address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');

/**
 * The proxies whose `X-Forwarded-For` is believed (DOCKYARD_TRUSTED_PROXIES): addresses and CIDR
 * blocks, comma-separated, e.g. `127.0.0.1, 10.0.0.0/8`. Empty: none, the header is ignored.
 * Throws a sentence naming the entry it cannot read.
 */
export function trustedProxies(spec: string): net.BlockList {
  const list = new net.BlockList();
  for (const raw of spec.split(',')) {
    const entry = raw.trim();
    if (!entry) continue;
    const [address, bits] = entry.split('/') as [string, string | undefined];
    const family = net.isIP(address);
    const prefix = bits === undefined ? undefined : Number(bits);
    const maxBits = family === 6 ? 128 : 32;
    if (
      family === 0 ||
      (prefix !== undefined && !(Number.isInteger(prefix) && prefix >= 0 && prefix <= maxBits))
    )
      throw new Error(
        `DOCKYARD_TRUSTED_PROXIES: "${entry}" is not an address or a CIDR block (like 127.0.0.1 or 10.0.0.0/8).`,
      );
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, prefix, type);
  }
  return list;
}

const isTrusted = (address: string, trusted: net.BlockList) => {
  const family = net.isIP(address);
  return family !== 0 && trusted.check(address, family === 6 ? 'ipv6' : 'ipv4');
};

/**
 * The address a request comes from, for per-address limits. The peer's own address, unless the
 * peer is a trusted proxy: then the nearest address in `X-Forwarded-For` that is not itself a
 * trusted proxy. A client talking to the server directly cannot choose its address by sending
 * the header, since it is not a trusted peer.
 */
export function clientAddress(req: IncomingMessage, trusted: net.BlockList): string {
  const peer = plain(req.socket.remoteAddress ?? 'unknown');
  if (!isTrusted(peer, trusted)) return peer;
  const header = req.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((hop) => plain(hop.trim()))
    .filter((hop) => net.isIP(hop) !== 0);
  // Each proxy appends the address it saw: read from the nearest hop back.
  for (let i = hops.length - 1; i >= 0; i--) if (!isTrusted(hops[i]!, trusted)) return hops[i]!;
  return hops[0] ?? peer;
}
