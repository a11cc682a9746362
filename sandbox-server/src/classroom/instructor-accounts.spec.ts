import { describe, expect, it } from 'vitest';
import { openDatabase } from '../database.ts';
import { ApiError } from '../http/api-error.ts';
import { InstructorAccounts } from './instructor-accounts.ts';

const accounts = () => new InstructorAccounts(openDatabase(':memory:'), { N: 2 ** 10, r: 8, p: 1 });

async function refusal(promise: Promise<unknown>): Promise<ApiError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ApiError)) throw new Error(`expected an ApiError, got ${String(err)}`);
  return err;
}

describe('instructor accounts', () => {
  it('signs in with the right password only, and does not tell which part was wrong', async () => {
    const store = accounts();
    const ada = await store.create('ada', 'analytical-engine');
    expect(await store.verify('ada', 'analytical-engine')).toEqual(ada);
    expect(await store.verify('ada', 'difference-engine')).toBeUndefined();
    expect(await store.verify('grace', 'analytical-engine')).toBeUndefined();
    expect(await store.verify(42, undefined)).toBeUndefined();
  });

  it('refuses a taken username with 409', async () => {
    const store = accounts();
    await store.create('ada', 'analytical-engine');
    const err = await refusal(store.create('ada', 'another-password'));
    expect(err.status).toBe(409);
    expect(err.message).toBe('There is already an instructor named "ada".');
  });

  it('checks the username (3–32 of a-z 0-9 . _ -) and the password (10 characters or more)', async () => {
    const store = accounts();
    for (const username of ['ab', 'x'.repeat(33), 'Ada', 'ada lovelace', 'ädä', 7]) {
      const err = await refusal(store.create(username, 'long enough'));
      expect([err.status, err.field]).toEqual([400, 'username']);
    }
    for (const password of ['short', '123456789', undefined, 'x'.repeat(1025)]) {
      const err = await refusal(store.create('ada', password));
      expect([err.status, err.field]).toEqual([400, 'password']);
    }
    expect(await store.create('a.b_c-9', '0123456789')).toMatchObject({ username: 'a.b_c-9' });
  });
});
