import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, launchChromium } from './helpers/browser.ts';
import { Platform } from './helpers/platform.ts';

const terminalText = (page: Page) => page.getByRole('region', { name: 'Terminal' }).innerText();

// A learner in Debian's Chromium: lesson 1, the terminal, the Run button and the Check button.
describe('lesson 1 in the browser', () => {
  const platform = new Platform();
  let browser: Browser;

  beforeAll(async () => {
    await platform.start();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await platform.stop();
  });

  it(
    'opens lesson 1 from the index, runs hello-world in the terminal and passes the check',
    { timeout: 180_000 },
    async () => {
      const page = await browser.newPage();
      await page.goto(platform.url + '/');
      await page
        .getByRole('link', { name: /Your first container/i })
        .first()
        .click();
      await page.waitForURL(/\/lessons\/first-container\/?$/);

      await eventually(async () => expect(await terminalText(page)).toMatch(/learner@dockyard:~\$/));

      const exercise = page.getByRole('region', { name: 'Run your first container' });
      const check = exercise.getByRole('button', { name: 'Check' });
      await check.click();
      await eventually(async () => {
        const status = await exercise.getByRole('status').innerText();
        expect(status).toMatch(/Not yet/i);
      });
      const results = exercise.getByRole('listitem');
      expect(await results.count()).toBe(2);
      expect(await results.first().innerText()).toMatch(/Failed:[\s\S]*hello-world[\s\S]*Hint:/);

      // Type into the terminal like a learner, then use the Run button for the lesson's command.
      await page.getByRole('region', { name: 'Terminal' }).click();
      await page.keyboard.type('echo typed-$((20+22))');
      await page.keyboard.press('Enter');
      await eventually(async () => expect(await terminalText(page)).toMatch(/typed-42/));

      await page.getByRole('button', { name: 'Run' }).first().click();
      await eventually(async () => expect(await terminalText(page)).toMatch(/Hello from Dockyard!/));

      await check.click();
      await eventually(async () => {
        const status = await exercise.getByRole('status').innerText();
        expect(status).toMatch(/Passed/i);
      });

      // A reload brings the same shell back with its screen.
      await page.reload();
      await eventually(async () => expect(await terminalText(page)).toMatch(/Hello from Dockyard!/));
      await page.close();
    },
  );
});
