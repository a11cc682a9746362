import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LessonIssue } from '../../../engine/src/index.ts';
import {
  isLessonSource,
  issueFolder,
  lessonProblems,
  oneAtATime,
  pagesToDrop,
  problemCount,
} from './course-watch.ts';
import { devApiTarget, noServerBody } from './dev-server.ts';

const lessonsDir = path.resolve('/repo/lessons');
const issue = (file: string, field = ''): LessonIssue => ({ file, line: 8, field, message: 'Wrong.' });

describe('isLessonSource', () => {
  it('reloads for a lesson’s page or exercises, and for a lesson folder added or removed', () => {
    for (const changed of [
      '/repo/lessons/01-first-container/lesson.mdx',
      '/repo/lessons/01-first-container/exercises.yaml',
      '/repo/lessons/13-new-lesson',
    ])
      expect(isLessonSource(changed, lessonsDir), changed).toBe(true);
  });

  it('ignores the CLI beside the lessons, a lesson’s example app, and files outside', () => {
    for (const changed of [
      '/repo/lessons/cli.ts',
      '/repo/lessons/scaffold.spec.ts',
      '/repo/lessons/12-two-tier-project/app/app.py',
      '/repo/lessons/12-two-tier-project/app',
      '/repo/lessons',
      '/repo/site/src/pages/index.astro',
      '/repo/lessons-old/01-first-container/lesson.mdx',
    ])
      expect(isLessonSource(changed, lessonsDir), changed).toBe(false);
  });
});

describe('pagesToDrop', () => {
  it('keeps the last good page of a lesson with problems and drops a lesson that is gone', () => {
    const shown = ['01-first-container', '02-images', '03-removed'];
    const loaded = ['01-first-container'];
    const issues = [issue('lessons/02-images/exercises.yaml', 'exercises[0].checks[0].kind')];
    expect(pagesToDrop(shown, loaded, issues, lessonsDir)).toEqual(['03-removed']);
  });

  it('reads the folder of an issue about the folder itself', () => {
    expect(issueFolder(issue('lessons/02-images'), lessonsDir)).toBe('02-images');
    expect(issueFolder(issue('elsewhere/file.yaml'), lessonsDir)).toBeUndefined();
  });
});

describe('lessonProblems', () => {
  it('reads like npm run lessons -- validate: file:line: field: message', () => {
    const problems = lessonProblems([
      issue('lessons/02-images/exercises.yaml', 'exercises[0].title'),
      issue('lessons/02-images'),
    ]);
    expect(problems.map((problem) => problem.text)).toEqual([
      'lessons/02-images/exercises.yaml:8: exercises[0].title: Wrong.',
      'lessons/02-images:8: Wrong.',
    ]);
    expect(problemCount(1)).toBe('1 problem found.');
    expect(problemCount(2)).toBe('2 problems found.');
  });
});

describe('oneAtATime', () => {
  it('runs once more after a burst of events, never twice at once', async () => {
    let running = 0;
    let most = 0;
    let runs = 0;
    let release: () => void = () => undefined;
    const sync = oneAtATime(async () => {
      running++;
      most = Math.max(most, running);
      runs++;
      await new Promise<void>((resolve) => (release = resolve));
      running--;
    });
    const first = sync();
    void sync();
    void sync();
    release();
    await new Promise((resolve) => setTimeout(resolve, 0));
    release();
    await first;
    expect(runs).toBe(2);
    expect(most).toBe(1);
  });
});

describe('the dev server’s API proxy', () => {
  it('goes to DOCKYARD_API_URL, else the Dockyard server on PORT, else 8080', () => {
    expect(devApiTarget({ DOCKYARD_API_URL: 'http://10.0.0.2:9000/' })).toBe('http://10.0.0.2:9000');
    expect(devApiTarget({ PORT: '8181' })).toBe('http://localhost:8181');
    expect(devApiTarget({})).toBe('http://localhost:8080');
  });

  it('answers like the API when no server runs, so the page says what to do', () => {
    expect(noServerBody('http://localhost:8080').error).toMatchObject({
      code: 'unavailable',
      message: expect.stringContaining('npm start') as unknown,
    });
  });
});
