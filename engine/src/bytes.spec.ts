import { describe, expect, it } from 'vitest';
import { formatBytes, parseSize } from './bytes.ts';

describe('parseSize', () => {
  it('reads sizes as lessons and the server configuration write them, in powers of 1024', () => {
    expect(parseSize('10GiB')).toBe(10 * 1024 ** 3);
    expect(parseSize('512m')).toBe(512 * 1024 ** 2);
    expect(parseSize(' 2G ')).toBe(2 * 1024 ** 3);
    expect(parseSize('20MB')).toBe(20 * 1024 ** 2);
    expect(parseSize('1.5k')).toBe(1536);
    expect(parseSize('4096')).toBe(4096);
  });

  it('refuses anything else in one sentence', () => {
    expect(() => parseSize('lots')).toThrow('"lots" is not a size (try 512m or 1g).');
    expect(() => parseSize('5ib')).toThrow('"5ib" is not a size');
    expect(() => parseSize('1t')).toThrow('"1t" is not a size');
  });
});

describe('formatBytes', () => {
  it('writes limits in powers of 1024, as check messages name them', () => {
    expect(formatBytes(900)).toBe('900 bytes');
    expect(formatBytes(512 * 1024 ** 2)).toBe('512 MiB');
    expect(formatBytes(1.5 * 1024 ** 3)).toBe('1.5 GiB');
    expect(formatBytes(parseSize('10GiB'))).toBe('10 GiB');
  });

  it('writes hub sizes in powers of 1000, as docker and the hub print them', () => {
    expect(formatBytes(500, 'decimal')).toBe('500 B');
    expect(formatBytes(1024, 'decimal')).toBe('1 kB');
    expect(formatBytes(1_536_000, 'decimal')).toBe('1.5 MB');
    expect(formatBytes(15_360_000, 'decimal')).toBe('15.4 MB');
    expect(formatBytes(2 * 1024 ** 3, 'decimal')).toBe('2.1 GB');
  });
});
