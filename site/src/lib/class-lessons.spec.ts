import { describe, expect, it } from 'vitest';
import { classLessonHref, isTitleHeading, slugFromSearch, unplacedItems } from './class-lessons.ts';

describe('the class lesson page’s address', () => {
  it('links to the page with the slug in the query, and reads it back', () => {
    expect(classLessonHref('build-an-image')).toBe('/class/lesson/?slug=build-an-image');
    expect(slugFromSearch(new URL(classLessonHref('build-an-image'), 'http://x').search)).toBe(
      'build-an-image',
    );
  });

  it('takes no slug the server would refuse', () => {
    for (const search of [
      '',
      '?slug=',
      '?slug=Build',
      '?slug=../etc',
      `?slug=${'a'.repeat(41)}`,
      '?lesson=x',
    ])
      expect(slugFromSearch(search)).toBeUndefined();
  });
});

describe('unplacedItems', () => {
  it('keeps the exercises and quizzes the page does not place, in the lesson’s order', () => {
    const lesson = {
      exercises: [
        { id: 'run-it', title: 'Run it' },
        { id: 'build-it', title: 'Build it', auto: true },
      ],
      quizzes: [{ id: 'what', question: 'What?', options: ['a', 'b'], multiple: false }],
    };
    expect(unplacedItems(lesson, { exercises: new Set(['run-it']), quizzes: new Set(['what']) })).toEqual({
      exercises: [{ id: 'build-it', title: 'Build it', auto: true }],
      quizzes: [],
    });
  });
});

describe('isTitleHeading', () => {
  it('matches the rendered heading to the title taken from its Markdown', () => {
    expect(isTitleHeading('Build an image', 'Build an image')).toBe(true);
    expect(isTitleHeading('Run docker ps', 'Run `docker ps`')).toBe(true);
    expect(isTitleHeading('Read the docs', 'Read [the docs](https://docs.docker.com)')).toBe(true);
    expect(isTitleHeading(`A ${'very '.repeat(40)}long title`, `A ${'very '.repeat(23)}…`)).toBe(true);
  });

  it('does not match another heading, or an empty one', () => {
    expect(isTitleHeading('Step two', 'Build an image')).toBe(false);
    expect(isTitleHeading('', 'Build an image')).toBe(false);
    expect(isTitleHeading('🐳', '🐳')).toBe(false);
  });
});
