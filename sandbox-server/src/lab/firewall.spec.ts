import { describe, expect, it } from 'vitest';
import { jumpRepair, sandboxInterfaces } from './firewall.ts';

describe('the interfaces the sandbox firewall covers', () => {
  it('is the lab bridge on Incus, whatever it is called', () => {
    // A bridge named outside the Docker prefix was once left without the firewall.
    expect(sandboxInterfaces('incus', 'labnet0', 'dy')).toBe('labnet0');
    expect(sandboxInterfaces('incus', 'dybr0', 'dy')).toBe('dybr0');
  });
  it("is every session's bridge on Docker", () => {
    expect(sandboxInterfaces('docker', 'dybr0', 'dy')).toBe('dy+');
  });
});

describe('putting the Dockyard jump first in a built-in chain', () => {
  const jump = '-A INPUT -i dybr0 -j DOCKYARD-INPUT';
  const incusDns = '-A INPUT -i dybr0 -p tcp -m tcp --dport 53 -j ACCEPT';
  it('leaves a chain alone when the jump is first and only once', () => {
    expect(jumpRepair(['-P INPUT ACCEPT', jump, incusDns], jump)).toBeUndefined();
  });
  it('moves the jump above a rule that would accept first', () => {
    // Seen in CI: Incus put its DNS accept above the jump, and TCP 53 on the host answered.
    expect(jumpRepair(['-P INPUT ACCEPT', incusDns, jump], jump)).toEqual([3]);
  });
  it('adds the jump when it is missing', () => {
    expect(jumpRepair(['-P INPUT ACCEPT', incusDns], jump)).toEqual([]);
  });
  it('removes duplicates from the bottom up, so the positions stay right', () => {
    expect(jumpRepair([jump, incusDns, jump], jump)).toEqual([4, 2]);
  });
});
