import { describe, expect, it } from 'vitest';
import { lessonMeta } from './lesson-meta.ts';

describe('lessonMeta', () => {
  it('counts exercises always, quizzes and minutes when there are any', () => {
    expect(lessonMeta({ exercises: [1], quizzes: [] })).toBe('1 exercise');
    expect(lessonMeta({ exercises: [], quizzes: [1, 2], minutes: 10 })).toBe(
      '0 exercises · 2 quizzes · about 10 min',
    );
    expect(lessonMeta({ exercises: [1, 2], quizzes: [1] })).toBe('2 exercises · 1 quiz');
  });
});
