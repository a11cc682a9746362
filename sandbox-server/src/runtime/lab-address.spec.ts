import { describe, expect, it } from 'vitest';
import {
  addressesHeld,
  drawFreeAddress,
  freeAddresses,
  networkOf,
  parseMemberSubnets,
} from './lab-address.ts';

describe('lab addresses', () => {
  it('offers the host addresses of the subnet, never the network, gateway or broadcast', () => {
    expect(freeAddresses('10.213.0.1', 29, [])).toEqual([
      '10.213.0.2',
      '10.213.0.3',
      '10.213.0.4',
      '10.213.0.5',
      '10.213.0.6',
    ]);
    expect(freeAddresses('10.213.0.1', 22, []).length).toBe(1021);
  });

  it('never offers an address a machine holds', () => {
    const taken = ['10.213.0.2', '10.213.0.3', '10.213.0.5', '10.213.0.6'];
    for (const r of [0, 0.5, 0.999])
      expect(drawFreeAddress('10.213.0.1', 29, taken, { random: () => r })).toBe('10.213.0.4');
  });

  it('says the network is full when every address is held', () => {
    const taken = freeAddresses('10.213.0.1', 29, []);
    expect(() => drawFreeAddress('10.213.0.1', 29, taken)).toThrow(/no free address/);
  });

  it('reads the addresses from the instances, including ones Incus answers without devices', () => {
    const held = addressesHeld([
      { devices: { eth0: { type: 'nic', 'ipv4.address': '10.213.1.7' }, root: { type: 'disk' } } },
      { devices: null },
      {},
    ]);
    expect([...held]).toEqual(['10.213.1.7']);
  });

  it("draws a cluster member's machines from its share of the subnet only", () => {
    const share = freeAddresses('10.213.0.1', 22, [], '10.213.1.0/24');
    expect(share[0]).toBe('10.213.1.0'); // a host address in a /22
    expect(share.at(-1)).toBe('10.213.1.255');
    expect(share.length).toBe(256);
    // The gateway and the subnet's broadcast are never offered, whichever share holds them.
    expect(freeAddresses('10.213.0.1', 22, [], '10.213.0.0/24')[0]).toBe('10.213.0.2');
    expect(freeAddresses('10.213.0.1', 22, [], '10.213.3.0/24').at(-1)).toBe('10.213.3.254');
    expect(() => drawFreeAddress('10.213.0.1', 22, share, { within: '10.213.1.0/24' })).toThrow(
      /10.213.1.0\/24\) has no free address/,
    );
  });

  it("reads the members' shares and refuses ones outside the lab subnet or overlapping", () => {
    expect(parseMemberSubnets(' m1=10.213.0.0/24, m2=10.213.1.7/24 ', '10.213.0.1/22')).toEqual({
      m1: '10.213.0.0/24',
      m2: '10.213.1.0/24',
    });
    expect(parseMemberSubnets('', '10.213.0.1/22')).toEqual({});
    expect(() => parseMemberSubnets('m1=10.214.0.0/24', '10.213.0.1/22')).toThrow(
      /not inside the lab subnet/,
    );
    expect(() => parseMemberSubnets('m1=10.213.0.0/23,m2=10.213.1.0/24', '10.213.0.1/22')).toThrow(
      /overlaps m1/,
    );
    expect(() => parseMemberSubnets('m1', '10.213.0.1/22')).toThrow(/not member=subnet/);
    expect(() => parseMemberSubnets('m1=10.213.0.300/24', '10.213.0.1/22')).toThrow(/not an IPv4 subnet/);
    expect(networkOf('10.213.0.1/22')).toBe('10.213.0.0/22');
  });
});
