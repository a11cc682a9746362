import { describe, expect, it } from 'vitest';
import { terminal, usePlatformAndBrowser, waitForPrompt, waitForTerminal } from './helpers/browser.ts';

/** What the injected code sets when it runs; it must stay unset. */
interface Injected {
  __injectedScript?: boolean;
  __injectedHandler?: boolean;
}

// The Content-Security-Policy of a lesson page in Debian's Chromium: Astro's inline island loader
// is allowed by its hash, so the page hydrates; a script that reaches the lesson text later (as
// an XSS would put it there) is refused, and what it would set stays unset.
describe('the Content-Security-Policy of a lesson page', () => {
  const env = usePlatformAndBrowser();

  it(
    'lets the page hydrate and the terminal work, and refuses an inline script injected into the lesson',
    { timeout: 180_000 },
    async () => {
      const page = await env.browser.newPage();
      const refusals: string[] = [];
      page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) refusals.push(message.text());
      });
      const response = await page.goto(env.platform.url + '/lessons/first-container/');
      const headers = response!.headers();
      expect(headers['content-security-policy']).toMatch(
        /(^|; )script-src 'self'( 'sha256-[A-Za-z0-9+/=]+')+;/,
      );
      expect(headers['content-security-policy']).toContain("frame-ancestors 'self'");
      expect(headers['referrer-policy']).toBe('same-origin');

      // (a) The islands hydrate under the policy: the terminal connects and answers typing.
      await waitForPrompt(page);
      await terminal(page).click();
      await page.keyboard.type('echo csp-$((40+2))');
      await page.keyboard.press('Enter');
      await waitForTerminal(page, /csp-42/);
      expect(refusals).toEqual([]);

      // (b) A script element and an inline event handler put into the lesson text after load.
      // (page.evaluate itself is exempt from the policy; what it inserts is not.)
      const violated = await page.evaluate(
        () =>
          new Promise<string[]>((resolve) => {
            const seen: string[] = [];
            document.addEventListener('securitypolicyviolation', (event) => {
              seen.push(event.effectiveDirective);
              if (seen.length === 2) resolve(seen.sort());
            });
            // Whatever was refused by then, so a missing refusal fails below instead of hanging.
            setTimeout(() => resolve(seen.sort()), 5000);
            const lesson = document.querySelector('article.lesson-text')!;
            const script = document.createElement('script');
            script.textContent = 'window.__injectedScript = true;';
            lesson.append(script);
            const image = document.createElement('img');
            image.setAttribute('onerror', 'window.__injectedHandler = true;');
            image.src = '/no-such-image.png';
            lesson.append(image);
          }),
      );
      // Chromium names the directive of the kind refused (script-src-attr, script-src-elem).
      expect(violated).toHaveLength(2);
      for (const directive of violated) expect(directive).toMatch(/^script-src(-attr|-elem)?$/);
      const ran = await page.evaluate(() => {
        const w = window as unknown as Injected;
        return [w.__injectedScript, w.__injectedHandler];
      });
      expect(ran).toEqual([undefined, undefined]);
      await page.close();
    },
  );
});
