import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, launchChromium } from './helpers/browser.ts';
import { Platform } from './helpers/platform.ts';

const terminal = (page: Page) => page.getByRole('region', { name: 'Terminal' });
const screen = (page: Page) => terminal(page).innerText();

/** Clicks the Run button of the n-th command block (0-based) of the lesson. */
async function run(page: Page, n: number): Promise<void> {
  await page.getByRole('button', { name: 'Run' }).nth(n).click();
}

async function expectPassed(page: Page, exerciseTitle: RegExp): Promise<void> {
  const exercise = page.getByRole('region', { name: exerciseTitle });
  await exercise.getByRole('button', { name: 'Check' }).click();
  await eventually(
    async () => expect(await exercise.getByRole('status').innerText()).toMatch(/^Passed$/),
    60_000,
  );
}

// A learner walks lessons 7 and 8 with the Run buttons, the Hub panel and the Check button.
describe('lessons 7 and 8 in the browser', () => {
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

  it('builds the first image with the Run buttons, then logs in and pushes it', async () => {
    const page = await browser.newPage();
    await page.goto(platform.url + '/lessons/first-image/');
    await eventually(async () => expect(await screen(page)).toMatch(/learner@dockyard:~\$/));
    const panel = page.getByRole('group', { name: 'Hub' });
    await panel.getByText('Hub login').click();
    let username = '';
    await eventually(async () => {
      username = (await panel.getByTestId('hub-username').innerText()).trim();
      expect(username).toMatch(/^[a-z]+[0-9]+$/);
    });
    // The lesson's commands carry the learner's own account name.
    await eventually(async () =>
      expect(await page.getByText(`docker build -t ${username}/my-first-docker-image:latest .`).count()).toBe(
        1,
      ),
    );

    await run(page, 0); // the program
    await run(page, 1); // the Dockerfile
    await run(page, 2); // docker build
    await eventually(
      // BuildKit cuts its progress lines to the terminal's width, so the
      // header line is the one that reliably says the build is done.
      async () => expect(await screen(page)).toMatch(/Building [\d.]+s \(\d+\/\d+\) FINISHED/),
      180_000,
    ).catch(async (err: unknown) => {
      await page.screenshot({ path: '/tmp/browser-lessons-failure.png' });
      throw err;
    });
    await run(page, 4); // docker run -it
    await eventually(
      async () => expect(await screen(page)).toMatch(/Hello from my first image, stranger!/),
      60_000,
    );
    await expectPassed(page, /Build and run your first image/);

    await page.goto(platform.url + '/lessons/share-your-image/');
    await eventually(async () => expect(await screen(page)).toMatch(/learner@dockyard/));
    const hub = page.getByRole('group', { name: 'Hub' });
    await hub.getByText('Hub login').click();
    await hub.getByRole('button', { name: 'Show', exact: true }).click();
    const password = (await page.getByTestId('hub-password').innerText()).trim();
    await run(page, 0); // docker login
    await eventually(async () => expect(await screen(page)).toMatch(/Username:/));
    await terminal(page).click();
    await page.keyboard.type(username);
    await page.keyboard.press('Enter');
    await eventually(async () => expect(await screen(page)).toMatch(/Password:/));
    await page.keyboard.type(password);
    await page.keyboard.press('Enter');
    await eventually(async () => expect(await screen(page)).toMatch(/Login Succeeded/));
    await run(page, 1); // docker push
    await eventually(async () => expect(await screen(page)).toMatch(/latest: digest: sha256:/), 120_000);
    await expectPassed(page, /Push your image to the hub/);
    await page.close();
  }, 420_000);
});
