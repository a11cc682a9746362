import { describe, expect, it } from 'vitest';
import { addressesHeld, drawFreeAddress, freeAddresses } from './lab-address.ts';

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
      expect(drawFreeAddress('10.213.0.1', 29, taken, () => r)).toBe('10.213.0.4');
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
});
