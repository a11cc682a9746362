import { describe, expect, it } from 'vitest';
import { nxdomainAnswer } from './lab-dns.ts';

/** A DNS query for `name`, type A, with recursion desired. */
function query(name: string, id = 0x1234): Buffer {
  const labels = name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
  const header = Buffer.from([id >> 8, id & 0xff, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
  return Buffer.concat([header, ...labels, Buffer.from([0, 0, 1, 0, 1])]);
}

describe('lab DNS', () => {
  it('answers every query at once with NXDOMAIN, echoing id and question', () => {
    const q = query('pypi.org');
    const a = nxdomainAnswer(q)!;
    expect(a.readUInt16BE(0)).toBe(0x1234);
    expect(a.readUInt16BE(2) & 0x8000).toBe(0x8000); // a response
    expect(a.readUInt16BE(2) & 0x000f).toBe(3); // NXDOMAIN
    expect(a.readUInt16BE(2) & 0x0100).toBe(0x0100); // RD echoed
    expect(a.readUInt16BE(4)).toBe(1);
    expect(a.readUInt16BE(6)).toBe(0);
    expect(a.subarray(12)).toEqual(q.subarray(12));
  });

  it('ignores responses, truncated packets and garbage', () => {
    const response = query('x.org');
    response.writeUInt16BE(0x8180, 2);
    expect(nxdomainAnswer(response)).toBeUndefined();
    expect(nxdomainAnswer(Buffer.from([1, 2, 3]))).toBeUndefined();
    expect(nxdomainAnswer(query('example.com').subarray(0, 20))).toBeUndefined();
    expect(nxdomainAnswer(Buffer.alloc(600))).toBeUndefined();
  });
});
