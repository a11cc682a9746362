import { describe, expect, it } from 'vitest';
import {
  terminal,
  terminalText,
  usePlatformAndBrowser,
  waitForPrompt,
  waitForStatus,
  waitForTerminal,
} from './helpers/browser.ts';

// A learner in Debian's Chromium: lesson 1, the terminal, the Run button and the Check button.
describe('lesson 1 in the browser', () => {
  const env = usePlatformAndBrowser();

  it(
    'opens lesson 1 from the index, runs hello-world in the terminal and passes the check',
    { timeout: 180_000 },
    async () => {
      const page = await env.browser.newPage();
      await page.goto(env.platform.url + '/');
      await page
        .getByRole('link', { name: /Your first container/i })
        .first()
        .click();
      await page.waitForURL(/\/lessons\/first-container\/?$/);

      await waitForPrompt(page);

      const exercise = page.getByRole('region', { name: 'Run your first container' });
      const check = exercise.getByRole('button', { name: 'Check' });
      await check.click();
      await waitForStatus(exercise, /Not yet/i);
      const results = exercise.getByRole('listitem');
      expect(await results.count()).toBe(2);
      expect(await results.first().innerText()).toMatch(/Failed:[\s\S]*hello-world[\s\S]*Hint:/);

      // Type into the terminal like a learner, then use the Run button for the lesson's command.
      await terminal(page).click();
      await page.keyboard.type('echo typed-$((20+22))');
      await page.keyboard.press('Enter');
      await waitForTerminal(page, /typed-42/);

      // The exercise is checked as the learner works (auto): running the command is enough.
      expect(await exercise.getByText('Checked as you work').count()).toBe(1);
      await page.getByRole('button', { name: 'Run' }).first().click();
      await waitForTerminal(page, /Hello from Dockyard!/);
      await waitForStatus(exercise, /Passed/i, 20_000);
      expect(await exercise.getByText('Checked as you work').count()).toBe(0);

      // A reload brings the same shell back with its screen.
      await page.reload();
      await waitForTerminal(page, /Hello from Dockyard!/);
      await page.close();
    },
  );

  it(
    'starts over on a fresh machine when the learner asks, and the old one is gone',
    { timeout: 180_000 },
    async () => {
      const page = await env.browser.newPage();
      await page.goto(env.platform.url + '/lessons/first-container/');
      await waitForPrompt(page);
      const sessionOf = () =>
        page.evaluate(
          () =>
            JSON.parse(localStorage.getItem('dockyard.session') ?? 'null') as { id: string; token: string },
        );
      const old = await sessionOf();
      await terminal(page).click();
      await page.keyboard.type('touch ~/wrecked && echo marked-$((2*4))');
      await page.keyboard.press('Enter');
      await waitForTerminal(page, /marked-8/);

      // Dismissing the question keeps the machine.
      page.once('dialog', (dialog) => void dialog.dismiss());
      await page.getByRole('button', { name: 'Fresh machine' }).click();
      expect((await sessionOf()).id).toBe(old.id);

      page.once('dialog', (dialog) => void dialog.accept());
      await page.getByRole('button', { name: 'Fresh machine' }).click();
      await waitForPrompt(page);
      const fresh = await sessionOf();
      expect(fresh.id).not.toBe(old.id);
      await terminal(page).click();
      await page.keyboard.type('test -e ~/wrecked && echo still-there || echo gone-$((3*3))');
      await page.keyboard.press('Enter');
      await waitForTerminal(page, /gone-9/);
      expect(await terminalText(page)).not.toMatch(/^still-there$/m);
      // The old machine is no longer the learner's, nor anyone's.
      expect((await env.platform.api('GET', `/api/sessions/${old.id}`, undefined, old.token)).status).toBe(
        404,
      );
      await page.close();
    },
  );
});
