import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { Platform } from './platform.ts';

/** Debian's Chromium, headless, with nothing reaching for the (closed) internet. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** Polls until the assertion holds (hydration and the sandbox take a moment). */
export async function eventually(assertion: () => Promise<void>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await assertion();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** A server and Chromium for the describe block it is called in; `browser` is there once its beforeAll ran. */
export interface PlatformAndBrowser {
  readonly platform: Platform;
  readonly browser: Browser;
}

/**
 * Starts a Dockyard server and launches Chromium before the tests of the enclosing describe block,
 * and closes both after them. Call it first in the block: hooks registered later run after it.
 */
export function usePlatformAndBrowser(env: Record<string, string> = {}): PlatformAndBrowser {
  const platform = new Platform(env);
  let browser: Browser | undefined;

  beforeAll(async () => {
    await platform.start();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await platform.stop();
  });

  return {
    platform,
    get browser(): Browser {
      if (!browser) throw new Error('Chromium is not launched yet: use the browser inside a test or hook');
      return browser;
    },
  };
}

/** The prompt of the learner's shell in the home folder. */
const shellPrompt = /learner@dockyard:~\$/;

/** The lesson page's terminal. */
export const terminal = (page: Page): Locator => page.getByRole('region', { name: 'Terminal' });

/** What the terminal shows now. */
export const terminalText = (page: Page): Promise<string> => terminal(page).innerText();

/** Waits until the terminal shows text that matches `pattern`. */
export function waitForTerminal(page: Page, pattern: RegExp, timeoutMs?: number): Promise<void> {
  return eventually(async () => expect(await terminalText(page)).toMatch(pattern), timeoutMs);
}

/** Waits until the terminal shows the shell's prompt: the sandbox is up and connected. */
export function waitForPrompt(page: Page): Promise<void> {
  return waitForTerminal(page, shellPrompt);
}

/** Waits until the status line of a card (exercise or quiz) matches `pattern`. */
export function waitForStatus(card: Locator, pattern: RegExp, timeoutMs?: number): Promise<void> {
  return eventually(
    async () => expect(await card.getByRole('status').innerText()).toMatch(pattern),
    timeoutMs,
  );
}

/** Clicks into the terminal in front, types a command, presses Enter, and waits for `pattern`. */
export async function runInTerminal(page: Page, command: string, pattern: RegExp): Promise<void> {
  await terminal(page).click();
  await page.keyboard.type(command);
  await page.keyboard.press('Enter');
  await waitForTerminal(page, pattern);
}

/** A browser context that is the learner of this cookie header (`dockyard_learner=…`). */
export async function contextAs(
  browser: Browser,
  url: string,
  cookieHeader: string,
): Promise<BrowserContext> {
  const context = await browser.newContext();
  const at = cookieHeader.indexOf('=');
  await context.addCookies([{ name: cookieHeader.slice(0, at), value: cookieHeader.slice(at + 1), url }]);
  return context;
}

/** The Hub panel beside the terminal. */
export const hubPanel = (page: Page): Locator => page.getByRole('group', { name: 'Hub' });

/** Opens the Hub panel's login and waits for the learner's hub username. */
export async function openHubLogin(page: Page): Promise<{ panel: Locator; username: string }> {
  const panel = hubPanel(page);
  await panel.getByText('Hub login').click();
  let username = '';
  await eventually(async () => {
    username = (await panel.getByTestId('hub-username').innerText()).trim();
    expect(username).toMatch(/^[a-z]+[0-9]+$/);
  });
  return { panel, username };
}

/** Shows the hub password in an open Hub panel and reads it. */
export async function revealHubPassword(panel: Locator): Promise<string> {
  await panel.getByRole('button', { name: 'Show', exact: true }).click();
  return (await panel.getByTestId('hub-password').innerText()).trim();
}
