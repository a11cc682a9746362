import { describe, expect, it } from 'vitest';
import {
  eventually,
  runInTerminal,
  terminal,
  usePlatformAndBrowser,
  waitForPrompt,
  waitForTerminal,
} from './helpers/browser.ts';
import { inSandbox } from './helpers/sandbox-host.ts';

// The lesson page's workbench in Chromium: a second terminal tab runs its own shell beside the
// first, both come back after a reload, Run types into the tab in front, and the editor opens a file
// written in the terminal, saves an edit that `cat` then shows, and follows the machine's files.
describe('the workbench in the browser', () => {
  const env = usePlatformAndBrowser();

  it(
    'keeps two terminal tabs through a reload, and edits a file the terminal wrote',
    async () => {
      const { platform } = env;
      const context = await env.browser.newContext();
      const page = await context.newPage();
      await page.goto(`${platform.url}/lessons/first-container/`);
      await waitForPrompt(page);
      await runInTerminal(page, 'echo one-$((1+1)) > ~/greeting.txt; cat ~/greeting.txt', /one-2/);

      const tabs = page.getByRole('tablist', { name: 'Workbench' });
      await page.getByRole('button', { name: 'New terminal' }).click();
      const second = tabs.getByRole('tab', { name: 'Terminal 2' });
      await eventually(async () => expect(await second.getAttribute('aria-selected')).toBe('true'));
      await waitForPrompt(page);
      await runInTerminal(page, 'sleep 600 & echo two-$((2+2))', /two-4/);
      // The first tab's shell is another one: it never saw the second's command.
      await tabs.getByRole('tab', { name: 'Terminal 1' }).click();
      await waitForTerminal(page, /one-2/);
      expect(await terminal(page).innerText()).not.toContain('two-4');

      await page.reload();
      await eventually(async () =>
        expect(await tabs.getByRole('tab').allInnerTexts()).toEqual(
          expect.arrayContaining(['Terminal 1', 'Terminal 2']),
        ),
      );
      await tabs.getByRole('tab', { name: 'Terminal 2' }).click();
      await waitForPrompt(page);
      await runInTerminal(page, 'jobs', /sleep 600/);

      // The editor: the file the terminal wrote, edited and saved, then read back in the machine.
      await tabs.getByRole('tab', { name: 'Editor' }).click();
      const tree = page.getByRole('tree', { name: 'Files' });
      await tree.getByText('greeting.txt').click();
      const content = page.getByRole('textbox', { name: 'File content' });
      await eventually(async () => expect(await content.innerText()).toContain('one-2'));
      await content.click();
      await page.keyboard.press('ControlOrMeta+End');
      await page.keyboard.type('edited in the browser');
      await page.getByRole('button', { name: 'Save' }).click();
      const sessionId = await page.evaluate(() =>
        Object.keys(sessionStorage)
          .find((key) => key.startsWith('dockyard.terminal-tabs.'))
          ?.slice('dockyard.terminal-tabs.'.length),
      );
      expect(sessionId).toBeTruthy();
      await eventually(async () =>
        expect((await inSandbox(sessionId!, 'cat ~/greeting.txt')).stdout).toContain('edited in the browser'),
      );
      // A file made in the machine meanwhile shows in the tree by itself (no Refresh), and the
      // open file, deleted there, is said to be gone.
      await inSandbox(sessionId!, 'touch ~/made-meanwhile.txt && rm ~/greeting.txt');
      await eventually(
        async () => expect(await tree.getByRole('treeitem', { name: 'made-meanwhile.txt' }).count()).toBe(1),
        15_000,
      );
      await eventually(
        async () => expect(await page.getByText('(deleted in the terminal)').count()).toBeGreaterThan(0),
        15_000,
      );
      await context.close();
    },
    5 * 60_000,
  );
});
