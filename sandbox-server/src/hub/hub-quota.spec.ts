import { describe, expect, it } from 'vitest';
import type { HubCatalog } from './hub-catalog.ts';
import { HubQuota } from './hub-quota.ts';

/** A catalogue whose namespaces hold 1 MB each, counting how often it was asked. */
function countingCatalog() {
  const asked: string[] = [];
  const catalog = {
    usage: (namespace: string) => {
      asked.push(namespace);
      return Promise.resolve(1e6);
    },
  } as unknown as HubCatalog;
  return { catalog, asked };
}

describe('the hub quota cache', () => {
  it('asks the registry once per namespace while the answer is fresh, and again after', async () => {
    const { catalog, asked } = countingCatalog();
    const clock = { now: 0 };
    const quota = new HubQuota(catalog, 2e9, { ttlMs: 10_000, maxEntries: 100 }, () => clock.now);
    await quota.used('alice1');
    await quota.used('alice1');
    expect(asked).toEqual(['alice1']);
    clock.now = 10_001;
    await quota.used('alice1');
    expect(asked).toEqual(['alice1', 'alice1']);
  });

  it('holds at most its bound of namespaces, dropping the oldest', async () => {
    const { catalog, asked } = countingCatalog();
    const quota = new HubQuota(catalog, 2e9, { ttlMs: 60_000, maxEntries: 3 });
    for (let i = 0; i < 50; i++) await quota.used(`learner${i}`);
    expect(quota.cached).toBe(3);
    await quota.used('learner49');
    await quota.used('learner0');
    expect(asked.filter((n) => n === 'learner49')).toHaveLength(1);
    expect(asked.filter((n) => n === 'learner0')).toHaveLength(2);
  });

  it('forgets what a session asked about when that session ends', async () => {
    const { catalog, asked } = countingCatalog();
    const quota = new HubQuota(catalog, 2e9);
    await quota.used('alice1', 'session-a');
    await quota.used('bob2', 'session-b');
    quota.forgetSession('session-a');
    expect(quota.cached).toBe(1);
    await quota.used('alice1');
    await quota.used('bob2');
    expect(asked).toEqual(['alice1', 'bob2', 'alice1']);
    quota.forgetSession('session-unknown');
    expect(quota.cached).toBe(2);
  });
});
