import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCourse } from '../engine/src/index.ts';
import { eventually, usePlatformAndBrowser, waitForPrompt, waitForStatus } from './helpers/browser.ts';
import { repoRoot } from './helpers/platform.ts';

const TOKEN = 'instructor-test-token-0123456789';

// A workshop: a learner names themself and answers a quiz in Chromium; the instructor's view
// (with the instructor token only) shows them with that progress and their machine.
describe('classroom: the instructor sees the class', () => {
  const env = usePlatformAndBrowser({ DOCKYARD_INSTRUCTOR_TOKEN: TOKEN });

  it('refuses the class view without the instructor token, and rejects bad names', async () => {
    const api = env.platform.api.bind(env.platform);
    expect((await api('GET', '/api/instructor/class')).status).toBe(401);
    expect((await api('GET', '/api/instructor/class', undefined, 'a-learner-token')).status).toBe(403);
    const session = await env.platform.session();
    // A learner's session token is not the instructor's.
    expect((await api('GET', '/api/instructor/class', undefined, session.token)).status).toBe(403);
    await api('DELETE', `/api/sessions/${session.id}`, undefined, session.token);
    for (const name of ['', 'x'.repeat(41), 'bell\u0007'])
      expect((await api('PUT', '/api/learner', { name })).status).toBe(400);
  });

  it("shows each learner's name, progress and machine to the instructor", async () => {
    const course = await loadCourse(path.join(repoRoot, 'lessons'));
    const lesson = course.lessons.find((l) => l.quizzes.some((q) => q.answer.length === 1))!;
    const quiz = lesson.quizzes.find((q) => q.answer.length === 1)!;

    const learner = await env.browser.newContext();
    const page = await learner.newPage();
    await page.goto(env.platform.url + '/');
    // Typing before the form hydrates would be lost: fill and save until it takes.
    await eventually(async () => {
      await page.getByLabel('In a class? Your name for the instructor').fill('Ada Lovelace');
      await page.getByRole('button', { name: 'Save' }).click();
      expect(await page.getByRole('status').innerText({ timeout: 2000 })).toMatch(
        /your instructor sees you as Ada Lovelace/,
      );
    });
    await page.goto(`${env.platform.url}/lessons/${lesson.slug}/`);
    await waitForPrompt(page);
    const card = page.locator(`[data-quiz="${quiz.id}"]`);
    const submit = card.getByRole('button', { name: 'Submit answer' });
    // The quiz hydrates after the page loads: choose until the button takes it.
    await eventually(async () => {
      await card.getByRole('radio', { name: quiz.options[quiz.answer[0]!]!, exact: true }).check();
      expect(await submit.isEnabled()).toBe(true);
    });
    await submit.click();
    await waitForStatus(card, /Correct/);

    const instructor = await env.browser.newContext();
    const view = await instructor.newPage();
    await view.goto(env.platform.url + '/instructor/?admin');
    await view.getByLabel('Instructor token').fill(TOKEN);
    await view.getByRole('button', { name: 'Show the class' }).click();
    const row = view.getByRole('row', { name: /Ada Lovelace/ });
    await eventually(async () => expect(await row.count()).toBe(1));
    const items = lesson.exercises.length + lesson.quizzes.length;
    expect(await row.innerText()).toContain(`1/${items}`);
    expect(await row.innerText()).toMatch(new RegExp(`ready · ${lesson.slug}`));
    // The instructor's browser holds no learner cookie and shows no learner id that opens anything.
    expect((await instructor.cookies()).filter((c) => c.name === 'dockyard_learner')).toEqual([]);
    await learner.close();
    await instructor.close();
  }, 180_000);
});
