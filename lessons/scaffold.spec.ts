import { mkdtemp, mkdir, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCourse } from '../engine/src/index.ts';
import { scaffoldLesson } from './scaffold.ts';

const emptyCourse = () => mkdtemp(path.join(os.tmpdir(), 'dockyard-scaffold-'));

describe('npm run lessons -- new <slug>', () => {
  it('makes a lesson the engine loads, with one live-checked exercise, numbered after the last', async () => {
    const dir = await emptyCourse();
    await scaffoldLesson(dir, 'first-steps');
    const folder = await scaffoldLesson(dir, 'compose-in-depth');
    expect(path.basename(folder)).toBe('02-compose-in-depth');

    const course = await loadCourse(dir);
    const lesson = course.lessons.find((l) => l.slug === 'compose-in-depth')!;
    expect(lesson.title).toBe('Compose in depth');
    expect(lesson.exercises).toHaveLength(1);
    expect(lesson.exercises[0]).toMatchObject({ id: 'write-a-file', auto: true });
    expect(lesson.exercises[0]!.checks[0]).toMatchObject({ kind: 'file', path: '~/hello.txt' });
  });

  it('refuses a slug the course has, or one that is not a slug, and writes nothing', async () => {
    const dir = await emptyCourse();
    await mkdir(path.join(dir, '07-volumes'));
    await writeFile(path.join(dir, '07-volumes', 'lesson.mdx'), '');
    await expect(scaffoldLesson(dir, 'volumes')).rejects.toThrow(/has a lesson "volumes" already/);
    for (const bad of ['Volumes', 'two words', '-x', 'a--b', '../escape', 'x'.repeat(41)])
      await expect(scaffoldLesson(dir, bad)).rejects.toThrow(/is not a lesson slug/);
    expect(await readdir(dir)).toEqual(['07-volumes']);
    expect(path.basename(await scaffoldLesson(dir, 'networks'))).toBe('08-networks');
  });
});
