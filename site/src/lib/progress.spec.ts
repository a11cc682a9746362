import { describe, expect, it } from 'vitest';
import { progressMark } from './progress.ts';

describe('progressMark', () => {
  const items = ['run-it', 'build-it', 'what-is-an-image'];

  it('shows nothing before the first pass', () => {
    expect(progressMark(undefined, items)).toEqual({ state: 'none', visible: '', spoken: '' });
    expect(progressMark(new Set(['an-old-id']), items).state).toBe('none');
  });

  it('counts the passed items of the lesson, and ignores ids it no longer has', () => {
    expect(progressMark(new Set(['build-it', 'an-old-id']), items)).toEqual({
      state: 'partial',
      visible: '1/3',
      spoken: '1 of 3 done',
    });
  });

  it('is done when every item passed', () => {
    expect(progressMark(new Set(items), items)).toEqual({ state: 'done', visible: '✓', spoken: 'Done' });
  });
});
