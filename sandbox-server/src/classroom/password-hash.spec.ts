import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from './password-hash.ts';

// A low cost keeps the spec fast; the cost is read back from each hash.
const cost = { N: 2 ** 10, r: 8, p: 1 };

describe('instructor passwords (scrypt)', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hashPassword('correct horse battery', cost);
    expect(await verifyPassword('correct horse battery', stored)).toBe(true);
    expect(await verifyPassword('correct horse batterY', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it('salts each hash and stores its parameters, never the password', async () => {
    const a = await hashPassword('the same password', cost);
    const b = await hashPassword('the same password', cost);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^scrypt\$1024\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(a).not.toContain('password');
    expect(await verifyPassword('the same password', b)).toBe(true);
  });

  it('verifies with the parameters stored, so a changed default keeps old hashes working', async () => {
    const stronger = await hashPassword('long enough pass', { N: 2 ** 11, r: 8, p: 1 });
    expect(await verifyPassword('long enough pass', stronger)).toBe(true);
  });

  it('matches nothing against a malformed hash', async () => {
    for (const stored of ['', 'plain-text', 'scrypt$1024$8$1$c2FsdA$', 'bcrypt$x'])
      expect(await verifyPassword('anything at all', stored)).toBe(false);
  });
});
