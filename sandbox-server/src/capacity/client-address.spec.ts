import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientAddress, trustedProxies } from './client-address.ts';

const request = (peer: string, forwardedFor?: string) =>
  ({
    socket: { remoteAddress: peer },
    headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
  }) as unknown as IncomingMessage;

describe("a request's client address", () => {
  it("is the peer's own when the peer is not a trusted proxy, whatever it forwards", () => {
    const none = trustedProxies('');
    expect(clientAddress(request('203.0.113.5', '198.51.100.1'), none)).toBe('203.0.113.5');
    const proxy = trustedProxies('127.0.0.1');
    expect(clientAddress(request('::ffff:203.0.113.5', '198.51.100.1'), proxy)).toBe('203.0.113.5');
  });
  it('is the nearest untrusted hop behind trusted proxies', () => {
    const proxies = trustedProxies('127.0.0.1, 10.0.0.0/8');
    // A client that writes its own header gets it appended to, not replaced: the spoofed hop is ignored.
    expect(clientAddress(request('127.0.0.1', '1.2.3.4, 198.51.100.7, 10.1.2.3'), proxies)).toBe(
      '198.51.100.7',
    );
    expect(clientAddress(request('127.0.0.1'), proxies)).toBe('127.0.0.1');
  });
  it('refuses a setting it cannot read, naming the entry', () => {
    expect(() => trustedProxies('127.0.0.1, proxy.local')).toThrow(/"proxy.local" is not an address/);
    expect(() => trustedProxies('10.0.0.0/33')).toThrow(/"10.0.0.0\/33"/);
  });
});
