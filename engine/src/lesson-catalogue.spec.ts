import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  findExerciseUsages,
  findQuizUsages,
  LessonError,
  loadCourse,
  parseYaml,
  readCourse,
} from './lesson-catalogue.ts';
import type { LessonIssue } from './lesson-catalogue.ts';
import { exercisesFileSchema } from './lesson-schema.ts';

let repo: string;
let lessonsDir: string;

beforeEach(async () => {
  repo = await mkdtemp(path.join(tmpdir(), 'dockyard-catalogue-'));
  lessonsDir = path.join(repo, 'lessons');
  await mkdir(lessonsDir);
});

afterEach(async () => {
  await rm(repo, { recursive: true, force: true });
});

async function writeLesson(folder: string, files: Record<string, string>): Promise<void> {
  await mkdir(path.join(lessonsDir, folder), { recursive: true });
  for (const [name, text] of Object.entries(files))
    await writeFile(path.join(lessonsDir, folder, name), text);
}

async function loadError(): Promise<LessonError> {
  const error = await loadCourse(lessonsDir).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof LessonError)) throw new Error(`expected a LessonError, got ${String(error)}`);
  return error;
}

const goodMdx = `---
title: Your first container
summary: Run hello-world.
minutes: 10
---

Some text.

<Exercise id="run-hello-world" />
`;

const goodYaml = `exercises:
  - id: run-hello-world
    title: Run your first container
    solve: docker run hello-world
    checks:
      - id: image-pulled
        kind: image
        ref: hello-world
        title: The image is here
        message: The image is missing.
        hint: Run it.
`;

describe('loadCourse', () => {
  it('reads lessons in the order of their numbers', async () => {
    await writeLesson('02-images', { 'lesson.mdx': '---\ntitle: Images\nsummary: Build one.\n---\nText.\n' });
    await writeLesson('01-first-container', { 'lesson.mdx': goodMdx, 'exercises.yaml': goodYaml });
    await writeLesson('apps', { 'README.md': 'example apps, not a lesson' });
    const course = await loadCourse(lessonsDir);
    expect(course.lessons.map((lesson) => [lesson.order, lesson.slug, lesson.title])).toEqual([
      [1, 'first-container', 'Your first container'],
      [2, 'images', 'Images'],
    ]);
    const [first, second] = course.lessons;
    expect(first).toMatchObject({
      summary: 'Run hello-world.',
      minutes: 10,
      file: path.join(lessonsDir, '01-first-container', 'lesson.mdx'),
    });
    expect(first?.exercises[0]?.checks[0]).toMatchObject({ id: 'image-pulled', kind: 'image' });
    expect(second?.exercises).toEqual([]);
    expect(second).not.toHaveProperty('minutes');
  });

  it('names file, line and field of a bad check kind', async () => {
    const yaml = goodYaml.replace('kind: image', 'kind: vm');
    await writeLesson('01-first-container', { 'lesson.mdx': goodMdx, 'exercises.yaml': yaml });
    const error = await loadError();
    expect(error.message).toBe(
      'lessons/01-first-container/exercises.yaml:7: exercises[0].checks[0].kind: Invalid option: expected one of "command"|"container"|"image"|"volume"|"network"|"http"|"hub"|"compose"|"file"|"group"|"service"',
    );
  });

  it('reads how many machines a lesson asks for, and refuses a machine beyond them, at its line', async () => {
    const two = goodMdx.replace('minutes: 10', 'minutes: 10\nmachines: 2');
    const yaml = goodYaml.replace('    solve:', '    machine: node2\n    solve:');
    await writeLesson('01-first-container', { 'lesson.mdx': two, 'exercises.yaml': yaml });
    expect((await loadCourse(lessonsDir)).lessons[0]).toMatchObject({ machines: 2 });
    await writeLesson('01-first-container', {
      'lesson.mdx': goodMdx,
      'exercises.yaml': yaml.replace(
        '        hint: Run it.',
        '        hint: Run it.\n        machine: node3',
      ),
    });
    expect((await loadError()).message.split('\n')).toEqual([
      'lessons/01-first-container/exercises.yaml:4: exercises[0].machine: There is no node2: the lesson has one machine, node1 (`machines` in its frontmatter).',
      'lessons/01-first-container/exercises.yaml:13: exercises[0].checks[0].machine: There is no node3: the lesson has one machine, node1 (`machines` in its frontmatter).',
    ]);
    await writeLesson('01-first-container', {
      'lesson.mdx': goodMdx.replace('minutes: 10', 'minutes: 10\nmachines: 6'),
      'exercises.yaml': goodYaml,
    });
    expect((await loadError()).message).toMatch(/machines: A lesson has at most 5 machines/);
  });

  it('collects every problem of every file', async () => {
    // goodYaml with its hint misspelt (line 11), then a second check (lines 12-17) that reuses the
    // first one's id and asks for a state that does not exist.
    const secondCheck = `      - id: image-pulled
        kind: container
        state: sleeping
        title: A container exists
        message: No container.
        hint: Run one.
`;
    const yaml = goodYaml.replace('hint: Run it.', 'hnt: Run it.') + secondCheck;
    await writeLesson('01-first-container', {
      'lesson.mdx': goodMdx.replace('minutes: 10', 'minutes: ten'),
      'exercises.yaml': yaml,
    });
    await writeLesson('02-images', {
      'lesson.mdx': '---\ntitle: Images\n---\n\n<Exercise id="build-one" />\n',
    });
    const lines = (await loadError()).message.split('\n');
    expect(lines).toEqual([
      expect.stringMatching(
        /^lessons\/01-first-container\/lesson\.mdx:4: minutes: Invalid input: expected number/,
      ),
      'lessons/01-first-container/exercises.yaml:6: exercises[0].checks[0].hint: Invalid input: expected string, received undefined',
      'lessons/01-first-container/exercises.yaml:11: exercises[0].checks[0].hnt: Unknown field "hnt": remove it or check its spelling.',
      expect.stringMatching(
        /^lessons\/01-first-container\/exercises\.yaml:14: exercises\[0\]\.checks\[1\]\.state: Invalid option/,
      ),
      'lessons/01-first-container/exercises.yaml:12: exercises[0].checks[1].id: Duplicate check id "image-pulled": check ids must be unique within an exercise.',
      'lessons/02-images/lesson.mdx:2: summary: Invalid input: expected string, received undefined',
      'lessons/02-images/lesson.mdx:5: <Exercise id="build-one">: There is no exercises.yaml beside the lesson to define this exercise.',
    ]);
  });

  it('fails when the MDX uses an exercise id that exercises.yaml does not define', async () => {
    await writeLesson('01-first-container', {
      'lesson.mdx': `${goodMdx}\nMore.\n\n<Exercise id='list-containers'/>\n`,
      'exercises.yaml': goodYaml,
    });
    expect((await loadError()).message).toBe(
      'lessons/01-first-container/lesson.mdx:13: <Exercise id="list-containers">: No exercise with this id in exercises.yaml; defined ids: run-hello-world.',
    );
  });

  it('reads the lesson setup and quizzes, and checks <Quiz> usages', async () => {
    const yaml = `setup: |
  systemctl stop docker docker.socket
quizzes:
  - id: shared-kernel
    question: Which kernel does a container run on?
    options: [Its own, The host's]
    answer: [1]
    explanation: Containers share the host's kernel.
${goodYaml}`;
    await writeLesson('01-first-container', {
      'lesson.mdx': `${goodMdx}\n<Quiz id="shared-kernel" />\n`,
      'exercises.yaml': yaml,
    });
    const [lesson] = (await loadCourse(lessonsDir)).lessons;
    expect(lesson?.setup).toBe('systemctl stop docker docker.socket');
    expect(lesson?.quizzes.map((quiz) => quiz.id)).toEqual(['shared-kernel']);

    await writeLesson('01-first-container', {
      'lesson.mdx': `${goodMdx}\n<Quiz id="kernel" />\n`,
      'exercises.yaml': yaml,
    });
    expect((await loadError()).message).toBe(
      'lessons/01-first-container/lesson.mdx:11: <Quiz id="kernel">: No quiz with this id in exercises.yaml; defined ids: shared-kernel.',
    );
  });

  it('leaves setup out and quizzes empty when the file has none', async () => {
    await writeLesson('01-first-container', { 'lesson.mdx': goodMdx, 'exercises.yaml': goodYaml });
    const [lesson] = (await loadCourse(lessonsDir)).lessons;
    expect(lesson?.quizzes).toEqual([]);
    expect(lesson).not.toHaveProperty('setup');
  });

  it('reports YAML syntax errors and missing frontmatter with their lines', async () => {
    await writeLesson('01-first-container', {
      'lesson.mdx': '# No frontmatter\n',
      'exercises.yaml': 'exercises:\n  - id: a\n    id: b\n',
    });
    const issues = (await loadError()).issues;
    expect(issues.map((issue) => [issue.file, issue.line, issue.field])).toEqual([
      ['lessons/01-first-container/lesson.mdx', 1, ''],
      ['lessons/01-first-container/exercises.yaml', 3, ''],
    ]);
    expect(issues[1]?.message).toMatch(/^Not valid YAML: /);
  });

  it('rejects two lessons with the same number and a lesson folder without lesson.mdx', async () => {
    await writeLesson('01-first-container', { 'lesson.mdx': goodMdx, 'exercises.yaml': goodYaml });
    await writeLesson('01-again', { 'notes.txt': 'draft' });
    expect((await loadError()).message).toBe(
      [
        'lessons/01-again:1: The lesson folder has no lesson.mdx.',
        'lessons/01-first-container:1: Lesson number 1 is also used by 01-again: give each lesson its own number.',
      ].join('\n'),
    );
  });

  it('validates the lessons of this repository', async () => {
    const repoLessons = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../lessons');
    const course = await loadCourse(repoLessons);
    expect(course.lessons[0]).toMatchObject({ slug: 'first-container', order: 1 });
    expect(course.lessons[0]?.exercises.map((exercise) => exercise.id)).toContain('run-hello-world');
  });
});

describe('readCourse', () => {
  it('answers the lessons that validate beside the problems of the others, without throwing', async () => {
    await writeLesson('01-first-container', { 'lesson.mdx': goodMdx, 'exercises.yaml': goodYaml });
    await writeLesson('02-broken', { 'lesson.mdx': goodMdx, 'exercises.yaml': 'exercises: 3\n' });

    const { lessons, issues } = await readCourse(lessonsDir);

    expect(lessons.map((lesson) => lesson.slug)).toEqual(['first-container']);
    expect(issues.map((issue) => issue.file)).toContain('lessons/02-broken/exercises.yaml');
    expect(issues).toEqual((await loadError()).issues);
  });
});

describe('parseYaml', () => {
  it('answers the data of a valid file and pushes no issue', () => {
    const issues: LessonIssue[] = [];
    const file = parseYaml(goodYaml, exercisesFileSchema, 'x.yaml', 0, issues);
    expect(issues).toEqual([]);
    expect(file?.exercises[0]?.id).toBe('run-hello-world');
  });

  it('refuses aliases that expand past maxAliasCount, at the line of the first alias', () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
    ].join('\n');
    const issues: LessonIssue[] = [];
    expect(parseYaml(bomb, exercisesFileSchema, 'x.yaml', 0, issues, { maxAliasCount: 10 })).toBeUndefined();
    expect(issues).toEqual([
      expect.objectContaining({
        line: 2,
        field: '',
        message: expect.stringMatching(/^Not accepted: .*alias/),
      }),
    ]);
  });
});

describe('findExerciseUsages', () => {
  it('finds ids in every quoting style with their lines', () => {
    const mdx =
      'a\n<Exercise id="one" />\n<Exercise\n  id=\'two\'\n/>\n<Exercise id={"three"} />\n<ExerciseList />\n';
    expect(findExerciseUsages(mdx)).toEqual([
      { id: 'one', line: 2 },
      { id: 'two', line: 3 },
      { id: 'three', line: 6 },
    ]);
  });
});

describe('findQuizUsages', () => {
  it('finds quiz ids and ignores other components', () => {
    expect(findQuizUsages('<Quiz id="a" />\n<Exercise id="b" />\n<QuizList />\n<Quiz id={\'c\'} />')).toEqual(
      [
        { id: 'a', line: 1 },
        { id: 'c', line: 4 },
      ],
    );
  });
});
