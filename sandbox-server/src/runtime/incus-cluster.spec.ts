import { describe, expect, it } from 'vitest';
import { chooseMember, type MemberStatus } from './incus-cluster.ts';

const GiB = 1024 ** 3;
const member = (name: string, free: number | null, sandboxes = 0, online = true): MemberStatus => ({
  name,
  status: online ? 'Online' : 'Offline',
  online,
  sandboxes,
  freeMemoryBytes: free,
  message: '',
});

describe('chooseMember', () => {
  it('places a machine on the member with the most free memory', () => {
    expect(chooseMember([member('m1', 4 * GiB, 0), member('m2', 12 * GiB, 9)])).toBe('m2');
  });

  it('takes the member with fewer machines when their free memory is about the same', () => {
    expect(chooseMember([member('m1', 8 * GiB, 3), member('m2', 8.5 * GiB, 5)])).toBe('m1');
    expect(chooseMember([member('m1', 8 * GiB, 3), member('m2', 10 * GiB, 5)])).toBe('m2');
  });

  it('never places on a member that is down, and has none when all are', () => {
    expect(chooseMember([member('m1', 20 * GiB, 0, false), member('m2', 1 * GiB, 30)])).toBe('m2');
    expect(chooseMember([member('m1', 20 * GiB, 0, false)])).toBeUndefined();
  });
});
