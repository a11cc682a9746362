import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  eventually,
  runInTerminal,
  usePlatformAndBrowser,
  waitForPrompt,
  waitForStatus,
  waitForTerminal,
} from './helpers/browser.ts';

/** Brings a machine's first terminal to the front and waits for its prompt. */
async function onMachine(page: Page, machine: string): Promise<void> {
  const tab = page
    .getByRole('tablist', { name: 'Workbench' })
    .getByRole('tab', { name: machine, exact: true });
  await tab.click();
  await eventually(async () => expect(await tab.getAttribute('aria-selected')).toBe('true'));
  await waitForTerminal(page, new RegExp(`learner@${machine}:~\\$`), 120_000);
}

async function expectPassed(page: Page, exerciseTitle: RegExp): Promise<void> {
  const exercise = page.getByRole('region', { name: exerciseTitle });
  await exercise.getByRole('button', { name: 'Check' }).click();
  await waitForStatus(exercise, /^Passed$/, 60_000);
}

// Lesson 13 in Chromium: a tab per machine, each its own shell; the learner solves both exercises
// by typing in node1's and node2's terminals, and the page checks each on its machine. The learner's
// single machine of the other lessons stays theirs meanwhile.
describe('the two-machine lesson in the browser', () => {
  const env = usePlatformAndBrowser();

  it(
    'solves the lesson through a terminal tab per machine',
    async () => {
      const page = await env.browser.newPage();
      // The learner comes from lesson 1, where they have a single machine of their own.
      await page.goto(`${env.platform.url}/lessons/first-container/`);
      await waitForPrompt(page);
      await runInTerminal(page, 'echo kept-on-my-single-machine > ~/kept.txt && echo saved', /^saved$/m);
      await page.goto(`${env.platform.url}/lessons/two-machines/`);
      const tabs = page.getByRole('tablist', { name: 'Workbench' });
      await eventually(async () =>
        expect(await tabs.getByRole('tab').allInnerTexts()).toEqual(['node1', 'node2', 'Editor']),
      );
      await onMachine(page, 'node1');

      // node2 fetches the inventory node1 serves since the lesson opened.
      await onMachine(page, 'node2');
      await runInTerminal(
        page,
        'until curl -fs http://node1:9090/ -o ~/inventory.json; do sleep 1; done; cat ~/inventory.json',
        /"kept_on": "node1"/,
      );
      await expectPassed(page, /Fetch node1's inventory from node2/);
      // The editor shows node2's files once the learner picks node2.
      await page.getByRole('tablist', { name: 'Workbench' }).getByRole('tab', { name: 'Editor' }).click();
      await page.getByRole('combobox', { name: 'Machine' }).selectOption('node2');
      const tree = page.getByRole('tree', { name: 'Files' });
      await eventually(async () =>
        expect(await tree.getByRole('treeitem', { name: 'inventory.json' }).count()).toBe(1),
      );

      // node1 serves a page of the learner's; node2 reads it.
      await onMachine(page, 'node1');
      await runInTerminal(
        page,
        "mkdir -p ~/site && echo 'hello from node1' > ~/site/index.html && docker run -d --name web -p 8080:80 -v ~/site:/usr/share/nginx/html:ro nginx && echo started",
        /^started$/m,
      );
      // node1's shell never saw node2's commands.
      expect(await page.getByRole('region', { name: 'Terminal' }).innerText()).not.toContain(
        'inventory.json',
      );
      await onMachine(page, 'node2');
      await runInTerminal(page, 'until curl -fs http://node1:8080/; do sleep 1; done', /^hello from node1$/m);
      await expectPassed(page, /Serve a page from node1 that node2 can read/);

      // Both machines' terminals come back after a reload, node2's with its shell.
      await page.reload();
      await onMachine(page, 'node2');
      await waitForTerminal(page, /hello from node1/);

      // Back on lesson 1: the single machine is still theirs, with its file.
      await page.goto(`${env.platform.url}/lessons/first-container/`);
      await waitForPrompt(page);
      await runInTerminal(page, 'cat ~/kept.txt', /^kept-on-my-single-machine$/m);
      await page.close();
    },
    8 * 60_000,
  );
});
