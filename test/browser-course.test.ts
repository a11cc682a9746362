import fs from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCourse, type Lesson, type Quiz } from '../engine/src/index.ts';
import {
  eventually,
  usePlatformAndBrowser,
  waitForPrompt,
  waitForStatus,
  waitForTerminal,
} from './helpers/browser.ts';
import { repoRoot } from './helpers/platform.ts';

const progressMark = (page: Page, slug: string) =>
  page.locator(`[data-progress-lesson="${slug}"]`).first().textContent();
const items = (lesson: Lesson) => lesson.exercises.length + lesson.quizzes.length;

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

// A learner in Debian's Chromium: a quiz answered wrongly then rightly, and progress on the index.
describe('the course in the browser: quizzes and progress', () => {
  const env = usePlatformAndBrowser();
  // One context for every page: one learner, one progress cookie.
  let learner: BrowserContext;
  let lessons: Lesson[];
  // The first single-answer quiz of the course, with its lesson: the test knows the answer, the page must not.
  let quizLesson: Lesson;
  let quiz: Quiz;

  beforeAll(async () => {
    lessons = (await loadCourse(path.join(repoRoot, 'lessons'))).lessons;
    quizLesson = lessons.slice(1).find((l) => l.quizzes.some((q) => q.answer.length === 1))!;
    quiz = quizLesson.quizzes.find((q) => q.answer.length === 1)!;
    learner = await env.browser.newContext();
  });

  it('never ships quiz answers or explanations to the page', () => {
    const dist = path.join(repoRoot, 'site', 'dist');
    const page = fs.readFileSync(path.join(dist, 'lessons', quizLesson.slug, 'index.html'), 'utf8');
    expect(page).toContain(`data-quiz="${quiz.id}"`);
    for (const file of filesUnder(dist).filter((f) => /\.(html|js)$/.test(f))) {
      const text = fs.readFileSync(file, 'utf8');
      for (const l of lessons)
        for (const q of l.quizzes) expect(text.includes(q.explanation), `${file}: ${q.id}`).toBe(false);
      expect(text).not.toMatch(/"answer"\s*:\s*\[/);
    }
  });

  it('grades a quiz answered wrongly, then rightly, and counts it', { timeout: 120_000 }, async () => {
    const page = await learner.newPage();
    await page.goto(`${env.platform.url}/lessons/${quizLesson.slug}/`);
    const card = page.getByRole('region', { name: quiz.question });
    const right = quiz.answer[0]!;
    const wrong = right === 0 ? 1 : 0;
    const submit = card.getByRole('button', { name: 'Submit answer' });

    await eventually(async () => {
      await card.getByRole('radio', { name: quiz.options[wrong]!, exact: true }).check();
      expect(await submit.isEnabled()).toBe(true);
    });
    await submit.click();
    await waitForStatus(card, /Not quite/);
    expect(await card.innerText()).not.toContain(quiz.explanation);

    await card.getByRole('radio', { name: quiz.options[right]!, exact: true }).check();
    await submit.click();
    await waitForStatus(card, /Correct/);
    expect(await card.innerText()).toContain(quiz.explanation);

    // The course menu counts it at once.
    const expected = items(quizLesson) === 1 ? '✓' : `1/${items(quizLesson)}`;
    await eventually(async () => expect(await progressMark(page, quizLesson.slug)).toContain(expected));
    await page.close();
  });

  it(
    "shows progress on the course index after passing lesson 1's exercise, after a reload too",
    { timeout: 180_000 },
    async () => {
      const first = lessons[0]!;
      const page = await learner.newPage();
      await page.goto(`${env.platform.url}/lessons/${first.slug}/`);
      await waitForPrompt(page);
      await page.getByRole('button', { name: 'Run' }).first().click();
      await waitForTerminal(page, /Hello from Dockyard!/);

      const exercise = page.getByRole('region', { name: first.exercises[0]!.title });
      await exercise.getByRole('button', { name: 'Check' }).click();
      await waitForStatus(exercise, /Passed/);
      const firstMark = items(first) === 1 ? '✓' : `1/${items(first)}`;
      await eventually(async () => expect(await progressMark(page, first.slug)).toContain(firstMark));

      await page.goto(`${env.platform.url}/`);
      await eventually(async () => {
        expect(await progressMark(page, first.slug)).toContain(firstMark);
        expect(await progressMark(page, quizLesson.slug)).toContain(
          items(quizLesson) === 1 ? '✓' : `1/${items(quizLesson)}`,
        );
      });
      // A lesson not touched shows nothing.
      const untouched = lessons.find((l) => l !== first && l !== quizLesson && items(l) > 0);
      if (untouched) expect((await progressMark(page, untouched.slug))?.trim()).toBe('');
      await page.close();
    },
  );
});
