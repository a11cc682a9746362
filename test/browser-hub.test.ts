import { describe, expect, it } from 'vitest';
import {
  eventually,
  openHubLogin,
  revealHubPassword,
  usePlatformAndBrowser,
  waitForPrompt,
} from './helpers/browser.ts';
import { inSandbox } from './helpers/sandbox-host.ts';

// The Hub panel and page in Debian's Chromium, after a real login and push in the learner's machine.
describe('hub in the browser', () => {
  const env = usePlatformAndBrowser();

  it('shows the hub login beside the terminal and the pushed repository on the Hub page', async () => {
    const page = await env.browser.newPage();
    await page.goto(env.platform.url + '/lessons/first-container/');
    await waitForPrompt(page);
    const { panel, username } = await openHubLogin(page);
    const password = await revealHubPassword(panel);
    const session = await page.evaluate(
      () => JSON.parse(localStorage.getItem('dockyard.session') ?? '{}') as { id: string },
    );

    const push = await inSandbox(
      session.id,
      `cd ~ && mkdir -p hello-hub && cd hello-hub && printf 'FROM busybox\\nCMD ["echo", "hi from the hub"]\\n' > Dockerfile && docker build -q -t ${username}/hello-hub:v1 . && printf '%s' '${password}' | docker login -u ${username} --password-stdin && docker push ${username}/hello-hub:v1 2>&1`,
    );
    expect(push.code, push.stdout + push.stderr).toBe(0);

    await page.goto(env.platform.url + '/hub/');
    const repo = page.getByRole('article', { name: `${username}/hello-hub` });
    await eventually(async () => expect(await repo.getByRole('cell', { name: 'v1' }).count()).toBe(1));
    expect(await repo.innerText()).toMatch(/just now|minute/);
    const library = page.getByRole('article', { name: 'python', exact: true });
    expect(await library.innerText()).toMatch(/latest/);
    expect(await page.getByTestId('hub-usage').innerText()).toMatch(/Space used: [\d.]+ MB of 2\.1 GB/);

    // Deleting asks first, then the repository is gone from the page and from the hub.
    page.once('dialog', (dialog) => void dialog.accept());
    await repo.getByRole('button', { name: 'Delete repository' }).click();
    await eventually(async () => expect(await repo.count()).toBe(0));
    expect(await page.getByText('Nothing pushed yet.').count()).toBe(1);
    const pull = await inSandbox(
      session.id,
      `docker rmi ${username}/hello-hub:v1 >/dev/null; docker pull ${username}/hello-hub:v1 2>&1`,
    );
    expect(pull.code).not.toBe(0);
    expect(pull.stdout).toMatch(/not found|manifest unknown/i);
    await page.close();
  }, 180_000);
});
