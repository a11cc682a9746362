import { describe, expect, it } from 'vitest';
import { sandboxInterfaces } from './firewall.ts';

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
