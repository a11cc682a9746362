import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, launchChromium } from './helpers/browser.ts';
import { inSandbox } from './helpers/docker-cli.ts';
import { Platform } from './helpers/platform.ts';

// The Hub panel and page in Debian's Chromium, after a real login and push in the learner's machine.
describe('hub in the browser', () => {
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

  it('shows the hub login beside the terminal and the pushed repository on the Hub page', async () => {
    const page = await browser.newPage();
    await page.goto(platform.url + '/lessons/first-container/');
    const terminal = page.getByRole('region', { name: 'Terminal' });
    await eventually(async () => expect(await terminal.innerText()).toMatch(/learner@dockyard:~\$/));
    const panel = page.getByRole('group', { name: 'Hub' });
    await panel.getByText('Hub login').click();
    let username = '';
    await eventually(async () => {
      username = (await panel.getByTestId('hub-username').innerText()).trim();
      expect(username).toMatch(/^[a-z]+[0-9]+$/);
    });
    await panel.getByRole('button', { name: 'Show', exact: true }).click();
    const password = (await panel.getByTestId('hub-password').innerText()).trim();
    const session = await page.evaluate(
      () => JSON.parse(localStorage.getItem('dockyard.session') ?? '{}') as { id: string },
    );

    const push = await inSandbox(
      session.id,
      `cd ~ && mkdir -p hello-hub && cd hello-hub && printf 'FROM busybox\\nCMD ["echo", "hi from the hub"]\\n' > Dockerfile && docker build -q -t ${username}/hello-hub:v1 . && printf '%s' '${password}' | docker login -u ${username} --password-stdin && docker push ${username}/hello-hub:v1 2>&1`,
    );
    expect(push.code, push.stdout + push.stderr).toBe(0);

    await page.goto(platform.url + '/hub/');
    const repo = page.getByRole('article', { name: `${username}/hello-hub` });
    await eventually(async () => expect(await repo.getByRole('cell', { name: 'v1' }).count()).toBe(1));
    expect(await repo.innerText()).toMatch(/just now|minute/);
    const library = page.getByRole('article', { name: 'python', exact: true });
    expect(await library.innerText()).toMatch(/latest/);
    await page.close();
  }, 180_000);
});
