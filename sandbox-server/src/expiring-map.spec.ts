import { describe, expect, it } from 'vitest';
import { ExpiringMap } from './expiring-map.ts';

describe('ExpiringMap', () => {
  it('never holds more than its bound: the oldest entry goes first', () => {
    const map = new ExpiringMap<string, number>({ ttlMs: 60_000, maxEntries: 3 }, () => 0);
    for (let i = 1; i <= 5; i++) map.set(`s${i}`, i);
    expect(map.size).toBe(3);
    expect([map.get('s1'), map.get('s2'), map.get('s3'), map.get('s5')]).toEqual([
      undefined,
      undefined,
      3,
      5,
    ]);
  });

  it('counts a key set again as new, so it is not the next to go', () => {
    const map = new ExpiringMap<string, number>({ ttlMs: 60_000, maxEntries: 2 }, () => 0);
    map.set('a', 1);
    map.set('b', 2);
    map.set('a', 3);
    map.set('c', 4);
    expect([map.get('a'), map.get('b'), map.get('c')]).toEqual([3, undefined, 4]);
  });

  it('forgets an entry once its time is up, and drops expired ones when a new one comes', () => {
    const clock = { now: 0 };
    const map = new ExpiringMap<string, string>({ ttlMs: 10_000, maxEntries: 100 }, () => clock.now);
    map.set('a', 'x');
    map.set('b', 'y');
    clock.now = 9_999;
    expect(map.get('a')).toBe('x');
    clock.now = 10_000;
    expect(map.get('a')).toBeUndefined();
    map.set('c', 'z');
    expect(map.size).toBe(1);
  });

  it('gives a taken entry once', () => {
    const map = new ExpiringMap<string, string>({ ttlMs: 10_000, maxEntries: 100 });
    map.set('t', 'session');
    expect(map.take('t')).toBe('session');
    expect(map.take('t')).toBeUndefined();
  });
});
