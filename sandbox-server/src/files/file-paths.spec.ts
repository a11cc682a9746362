import { describe, expect, it } from 'vitest';
import { ApiError } from '../http/api-error.ts';
import { learnerPath } from './file-paths.ts';

const refusal = (input: unknown) => {
  try {
    learnerPath(input);
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(400);
    return (err as ApiError).message;
  }
  throw new Error(`${String(input)} was accepted`);
};

describe('learnerPath', () => {
  it('reads a path relative to home, absolute under home, or from ~', () => {
    expect(learnerPath('app/Dockerfile')).toBe('/home/learner/app/Dockerfile');
    expect(learnerPath('/home/learner/app/Dockerfile')).toBe('/home/learner/app/Dockerfile');
    expect(learnerPath('~/app/compose.yaml')).toBe('/home/learner/app/compose.yaml');
    expect(learnerPath('')).toBe('/home/learner');
    expect(learnerPath('~')).toBe('/home/learner');
    expect(learnerPath('/home/learner/')).toBe('/home/learner');
  });

  it('folds "." segments and doubled slashes', () => {
    expect(learnerPath('./app//./x.py')).toBe('/home/learner/app/x.py');
    expect(learnerPath('//home//learner/./a')).toBe('/home/learner/a');
  });

  it('keeps names that only look odd: spaces, quotes, dots, dollars', () => {
    expect(learnerPath(`my app/it's $(x) ..file`)).toBe(`/home/learner/my app/it's $(x) ..file`);
  });

  it('refuses ".." segments, anywhere', () => {
    expect(refusal('../etc/passwd')).toMatch(/"\.\."/);
    expect(refusal('app/../../etc')).toMatch(/"\.\."/);
    expect(refusal('/home/learner/..')).toMatch(/"\.\."/);
  });

  it('refuses absolute paths outside home, and homes that only start alike', () => {
    expect(refusal('/etc/passwd')).toMatch(/outside your home folder/);
    expect(refusal('/home/learner2/x')).toMatch(/outside your home folder/);
    expect(refusal('/home')).toMatch(/outside your home folder/);
  });

  it('refuses NUL bytes, very long paths and what is not a string', () => {
    expect(refusal('a\0b')).toMatch(/NUL/);
    expect(refusal('a'.repeat(5000))).toMatch(/longer than/);
    expect(refusal(undefined)).toMatch(/"path"/);
    expect(refusal(['a'])).toMatch(/"path"/);
  });

  it('takes another home', () => {
    expect(learnerPath('a', '/tmp/h/learner')).toBe('/tmp/h/learner/a');
    expect(() => learnerPath('/home/learner/a', '/tmp/h/learner')).toThrow(/outside/);
  });
});
