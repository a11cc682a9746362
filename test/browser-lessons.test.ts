import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  eventually,
  hubPanel,
  openHubLogin,
  revealHubPassword,
  terminal,
  usePlatformAndBrowser,
  waitForPrompt,
  waitForStatus,
  waitForTerminal,
} from './helpers/browser.ts';

/** Clicks the Run button of the n-th command block (0-based) of the lesson. */
async function run(page: Page, n: number): Promise<void> {
  await page.getByRole('button', { name: 'Run' }).nth(n).click();
}

async function expectPassed(page: Page, exerciseTitle: RegExp): Promise<void> {
  const exercise = page.getByRole('region', { name: exerciseTitle });
  await exercise.getByRole('button', { name: 'Check' }).click();
  await waitForStatus(exercise, /^Passed$/, 60_000);
}

// A learner walks lessons 7 and 8 with the Run buttons, the Hub panel and the Check button.
describe('lessons 7 and 8 in the browser', () => {
  const env = usePlatformAndBrowser();

  it('builds the first image with the Run buttons, then logs in and pushes it', async () => {
    const page = await env.browser.newPage();
    await page.goto(env.platform.url + '/lessons/first-image/');
    await waitForPrompt(page);
    const { username } = await openHubLogin(page);
    // The lesson's commands carry the learner's own account name.
    await eventually(async () =>
      expect(await page.getByText(`docker build -t ${username}/my-first-docker-image:latest .`).count()).toBe(
        1,
      ),
    );

    await run(page, 0); // the program
    await run(page, 1); // the Dockerfile
    await run(page, 2); // docker build
    // BuildKit cuts its progress lines to the terminal's width, so the
    // header line is the one that reliably says the build is done.
    await waitForTerminal(page, /Building [\d.]+s \(\d+\/\d+\) FINISHED/, 180_000).catch(
      async (err: unknown) => {
        await page.screenshot({ path: '/tmp/browser-lessons-failure.png' });
        throw err;
      },
    );
    await run(page, 4); // docker run -it
    await waitForTerminal(page, /Hello from my first image, stranger!/, 60_000);
    await expectPassed(page, /Build and run your first image/);

    await page.goto(env.platform.url + '/lessons/share-your-image/');
    await waitForTerminal(page, /learner@dockyard/);
    const hub = hubPanel(page);
    await hub.getByText('Hub login').click();
    const password = await revealHubPassword(hub);
    await run(page, 0); // docker login
    await waitForTerminal(page, /Username:/);
    await terminal(page).click();
    await page.keyboard.type(username);
    await page.keyboard.press('Enter');
    await waitForTerminal(page, /Password:/);
    await page.keyboard.type(password);
    await page.keyboard.press('Enter');
    await waitForTerminal(page, /Login Succeeded/);
    await run(page, 1); // docker push
    await waitForTerminal(page, /latest: digest: sha256:/, 120_000);
    await expectPassed(page, /Push your image to the hub/);
    await page.close();
  }, 420_000);
});
