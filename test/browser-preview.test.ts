import { describe, expect, it } from 'vitest';
import { eventually, usePlatformAndBrowser, waitForPrompt } from './helpers/browser.ts';
import { inSandbox } from './helpers/sandbox-host.ts';

// Lesson 12's preview panel in Debian's Chromium: the learner's app shows in the page, on an origin
// of its own, so nothing it runs can read the learner's Dockyard session.
describe('port preview in the browser', () => {
  const env = usePlatformAndBrowser();

  it("shows the learner's app on its own origin, out of reach of the lesson page's session", async () => {
    const page = await env.browser.newPage();
    await page.goto(env.platform.url + '/lessons/two-tier-project/');
    await waitForPrompt(page);
    const session = await page.evaluate(
      () => JSON.parse(localStorage.getItem('dockyard.session') ?? '{}') as { id: string },
    );
    const preview = page.locator('section.preview[data-port="5000"]');

    // Nothing listens yet: the panel says what to do.
    await preview.getByRole('button', { name: 'Open preview' }).click();
    const frame = page.frameLocator('section.preview[data-port="5000"] iframe');
    await eventually(async () =>
      expect(await frame.locator('body').innerText()).toMatch(/Nothing is listening on port 5000/),
    );

    const run = await inSandbox(session.id, 'docker run -d -p 5000:80 nginx >/dev/null 2>&1 && echo started');
    expect(run.stdout).toContain('started');
    await eventually(async () => {
      await preview.getByRole('button', { name: 'Reload' }).click();
      expect(await frame.locator('h1').innerText({ timeout: 2000 })).toMatch(/Welcome to nginx in Dockyard!/);
    });

    const src = await preview.locator('iframe').getAttribute('src');
    expect(new URL(src!).hostname).toMatch(
      new RegExp(`^${session.id}-5000-[0-9a-f]{32}\\.preview\\.localhost$`),
    );
    const app = page.frames().find((f) => f.url().startsWith(new URL(src!).origin))!;
    // The app's own storage (partitioned, or blocked in a private window) never holds the session,
    // and the lesson page's is out of reach.
    const reach = await app.evaluate(() => {
      const attempt = (read: () => string | null) => {
        try {
          return read();
        } catch {
          return 'blocked';
        }
      };
      return {
        own: attempt(() => localStorage.getItem('dockyard.session')),
        parent: attempt(() => window.parent.localStorage.getItem('dockyard.session')),
        parentDocument: attempt(() => window.parent.document.cookie),
      };
    });
    expect(reach.own === null || reach.own === 'blocked', JSON.stringify(reach)).toBe(true);
    expect(reach.parent).toBe('blocked');
    expect(reach.parentDocument).toBe('blocked');
    await page.close();
  }, 180_000);
});
