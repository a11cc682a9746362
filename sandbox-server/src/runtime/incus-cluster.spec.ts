import { describe, expect, it } from 'vitest';
import { chooseMember, IncusCluster, type MemberStatus } from './incus-cluster.ts';
import type { IncusApi } from './incus-runtime.ts';

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

describe('IncusCluster', () => {
  it('asks again whether it is a cluster after Incus failed to answer, instead of failing every machine', async () => {
    let calls = 0;
    const api = {
      get: async () => {
        if (++calls === 1) throw new Error('incus: socket EOF');
        return { environment: { server_clustered: false } };
      },
    } as unknown as IncusApi;
    const cluster = new IncusCluster(api);
    await expect(cluster.placement()).rejects.toThrow(/socket EOF/);
    expect(await cluster.placement()).toBeUndefined();
    expect(await cluster.members()).toEqual([]);
    expect(calls).toBe(2);
  });

  it('lets Incus place the machine when the members cannot be read', async () => {
    const api = {
      get: async (path: string) => {
        if (path === '/1.0') return { environment: { server_clustered: true } };
        throw new Error("Server isn't ready yet");
      },
    } as unknown as IncusApi;
    expect(await new IncusCluster(api).placement()).toBeUndefined();
  });
});
