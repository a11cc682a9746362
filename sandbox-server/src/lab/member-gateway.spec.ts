import { describe, expect, it } from 'vitest';
import { memberGatewayRuleset } from './member-gateway.ts';

describe('the member gateway', () => {
  const rules = memberGatewayRuleset({
    bridge: 'dybr0',
    gateway: '10.213.0.1',
    server: '192.168.5.10',
    ports: [
      { protocol: 'tcp', port: 5443, as: 443 },
      { protocol: 'tcp', port: 3142 },
      { protocol: 'udp', port: 5353, as: 53 },
    ],
  });

  it('sends the lab ports machines use on to the server host, under the ports it listens on', () => {
    expect(rules).toContain('iifname "dybr0" ip daddr 10.213.0.1 tcp dport 443 dnat to 192.168.5.10:5443');
    expect(rules).toContain('iifname "dybr0" ip daddr 10.213.0.1 tcp dport 3142 dnat to 192.168.5.10:3142');
    expect(rules).toContain('iifname "dybr0" ip daddr 10.213.0.1 udp dport 53 dnat to 192.168.5.10:5353');
  });

  it('drops whatever else machines send to or through the member, after what it forwards', () => {
    const forward = rules.slice(rules.indexOf('chain forward'));
    expect(forward.indexOf('ct status dnat ip daddr 192.168.5.10 accept')).toBeLessThan(
      forward.indexOf('iifname "dybr0" drop'),
    );
    expect(forward).toContain('oifname "dybr0" drop');
    const input = rules.slice(rules.indexOf('chain input'), rules.indexOf('chain forward'));
    expect(input).toContain('iifname "dybr0" drop');
  });

  it("lets the server's host alone open connections to the machines, from the gateway's address", () => {
    expect(rules).toContain('oifname "dybr0" ip saddr 192.168.5.10 ct state new accept');
    expect(rules).toContain('oifname "dybr0" ip saddr 192.168.5.10 snat to 10.213.0.1');
  });

  it("keeps a session's own network (several machines) to its machines: nothing for the member, nothing routed", () => {
    const input = rules.slice(rules.indexOf('chain input'), rules.indexOf('chain forward'));
    expect(input).toContain('iifname "dkn*" drop');
    const forward = rules.slice(rules.indexOf('chain forward'));
    expect(forward).toContain('iifname "dkn*" ip daddr != 10.77.0.0/24 drop');
    expect(forward).toContain('oifname "dkn*" ip saddr != 10.77.0.0/24 drop');
  });

  it('replaces its own table whole and touches no other', () => {
    expect(rules.startsWith('table ip dockyard-member\ndelete table ip dockyard-member\n')).toBe(true);
    expect(rules.match(/^table /gm)).toHaveLength(2);
  });
});
