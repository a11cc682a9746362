import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LessonError, loadCourse } from '../../../engine/src/index.ts';
import { lessonPages } from './course-loader.ts';

let repo: string;
let lessonsDir: string;

beforeEach(async () => {
  repo = await mkdtemp(path.join(tmpdir(), 'dockyard-course-loader-'));
  lessonsDir = path.join(repo, 'lessons');
  await mkdir(lessonsDir);
});

afterEach(async () => {
  await rm(repo, { recursive: true, force: true });
});

async function writeLesson(folder: string, exerciseId: string): Promise<void> {
  await mkdir(path.join(lessonsDir, folder));
  const mdx = `---\ntitle: Lesson ${folder}\nsummary: A lesson.\n---\n\n<Exercise id="${exerciseId}" />\n<Quiz id="pick-one" />\n`;
  const yaml = `setup: mkdir -p /srv/app
exercises:
  - id: ${exerciseId}
    title: Do ${exerciseId}
    solve: docker run hello-world
    checks:
      - id: pulled
        kind: image
        ref: hello-world
        title: The image is here
        message: The image is missing.
        hint: Run it.
quizzes:
  - id: pick-one
    question: Which one?
    options: [this, that]
    answer: [1]
    explanation: That one.
`;
  await writeFile(path.join(lessonsDir, folder, 'lesson.mdx'), mdx);
  await writeFile(path.join(lessonsDir, folder, 'exercises.yaml'), yaml);
}

describe('lessonPages', () => {
  it('renders exactly the lessons and exercises the server loads, no page for a folder the engine skips', async () => {
    await writeLesson('01-first-container', 'run-hello-world');
    // The site's own parser took any `<digits>-<anything>` folder; the engine (and so the server)
    // knows only kebab-case slugs, so this page's API calls would all have been 404s.
    await writeLesson('02-Second_Lesson', 'build-an-image');

    const pages = await lessonPages(lessonsDir);
    const served = (await loadCourse(lessonsDir)).lessons;

    expect(pages.map((page) => page.slug)).toEqual(served.map((lesson) => lesson.slug));
    expect(pages.map((page) => page.slug)).toEqual(['first-container']);
    expect(pages[0]).toMatchObject({
      folder: '01-first-container',
      order: 1,
      title: 'Lesson 01-first-container',
      exercises: served[0]!.exercises.map(({ id, title }) => ({ id, title })),
      quizzes: [{ id: 'pick-one', question: 'Which one?', options: ['this', 'that'], multiple: false }],
      hasSetup: true,
    });
  });

  it('tells the page how many machines a lesson wants, saying nothing for one', async () => {
    await writeLesson('01-first-container', 'run-hello-world');
    await writeLesson('02-two-nodes', 'ping-node2');
    const mdx = path.join(lessonsDir, '02-two-nodes', 'lesson.mdx');
    await writeFile(mdx, (await readFile(mdx, 'utf8')).replace('summary:', 'machines: 2\nsummary:'));

    const pages = await lessonPages(lessonsDir);
    expect(pages.map((page) => page.machines)).toEqual([undefined, 2]);
  });

  it('shows no answer, explanation, check or solve script to the page', async () => {
    await writeLesson('01-first-container', 'run-hello-world');
    const [page] = await lessonPages(lessonsDir);
    const shown = JSON.stringify(page);
    for (const secret of ['answer', 'explanation', 'That one.', 'checks', 'solve', 'docker run'])
      expect(shown).not.toContain(secret);
  });

  it('fails the build with the engine’s sentence where the server would refuse the course', async () => {
    // Two lessons numbered 01: the old site parser built both pages; the server refuses to start.
    await writeLesson('01-first-container', 'run-hello-world');
    await writeLesson('01-other-container', 'run-another');

    const error: unknown = await lessonPages(lessonsDir).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(LessonError);
    expect((error as Error).message).toBe(
      'lessons/01-other-container:1: Lesson number 1 is also used by 01-first-container: give each lesson its own number.',
    );
  });
});
