import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { eventually, usePlatformAndBrowser } from './helpers/browser.ts';

const ADMIN = 'admin-browser-classes-token-0123456789';
const PASSWORD = 'a long enough password';

/** A learner opens the join URL: the code is filled in and the cursor waits in the name field. */
async function joinByUrl(page: Page, url: string, code: string, name: string): Promise<void> {
  await page.goto(`${url}/?class=${code.toLowerCase()}`);
  const codeField = page.getByLabel('Class code');
  const nameField = page.getByLabel('Your name', { exact: true });
  await eventually(async () => {
    expect(await codeField.inputValue()).toBe(code);
    expect(await nameField.evaluate((el) => el === document.activeElement)).toBe(true);
  });
  // Keyboard only: the name where the cursor is, Enter to join.
  await page.keyboard.type(name);
  await page.keyboard.press('Enter');
}

// A workshop in Chromium, in three browser contexts: the instructor signs in on /instructor/ and
// makes a class; two learners join through its join URL; the roster shows both without a reload.
describe('workshop classes in the browser', () => {
  const env = usePlatformAndBrowser({ DOCKYARD_INSTRUCTOR_TOKEN: ADMIN });

  it('lets an instructor make a class that two learners join by its URL, live on the roster', async () => {
    const { platform } = env;
    const made = await platform.api(
      'POST',
      '/api/instructors',
      { username: 'grace', password: PASSWORD },
      ADMIN,
    );
    expect(made.status).toBe(201);

    const instructor = await env.browser.newContext();
    const view = await instructor.newPage();
    await view.goto(platform.url + '/instructor/');
    // The old table of the admin token is still a link away.
    expect(await view.getByRole('link', { name: 'Admin token' }).getAttribute('href')).toBe(
      '/instructor/?admin',
    );

    // A wrong password is answered in words; the right one signs in. (Fields wait for hydration.)
    await view.getByLabel('Username').fill('grace');
    await view.getByLabel('Password').fill('not the password');
    await view.getByRole('button', { name: 'Sign in' }).click();
    await eventually(async () =>
      expect(await view.getByRole('alert').innerText()).toBe(
        'That username and password do not match an instructor account.',
      ),
    );
    await view.getByLabel('Password').fill(PASSWORD);
    await view.getByRole('button', { name: 'Sign in' }).click();
    await view.getByRole('heading', { name: 'Your classes' }).waitFor();

    await view.getByLabel('Class name').fill('Morning workshop');
    await view.getByLabel('Capacity (learners)').fill('2');
    await view.getByRole('button', { name: 'Create class' }).click();
    const panel = view.getByRole('region', { name: 'Morning workshop' });
    await panel.getByText('No learner has joined yet.').waitFor();
    const code = (await panel.getByTestId('join-code').innerText()).trim();
    expect(code).toMatch(/^[2-9A-HJKMNP-Z]{6,8}$/);
    await panel.getByRole('link', { name: `${platform.url}/?class=${code}` }).waitFor();
    const qr = panel.getByRole('img', { name: /QR code of the join URL/ });
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/svg\+xml/);
    // The CSP lets the data: image load: it has a size once decoded.
    await eventually(async () =>
      expect(await qr.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0),
    );

    // Two learners join by the join URL; a name that looks like HTML stays text.
    const learners = await Promise.all([env.browser.newContext(), env.browser.newContext()]);
    const names = ['Ada Lovelace', '<b>Katherine</b> Johnson'];
    for (const [i, context] of learners.entries()) {
      const page = await context.newPage();
      await joinByUrl(page, platform.url, code, names[i]!);
      await eventually(async () =>
        expect(await page.getByRole('status').innerText()).toContain(
          `You are in class ${code}, as ${names[i]}.`,
        ),
      );
    }

    // The roster shows both, without a reload of the instructor's page.
    for (const name of names)
      await eventually(async () => expect(await panel.getByRole('row', { name }).count()).toBe(1));
    expect(await panel.locator('table b').count()).toBe(0);

    // The class holds two: a third learner is told so in the server's sentence.
    const late = await env.browser.newContext();
    const latePage = await late.newPage();
    await joinByUrl(latePage, platform.url, code, 'Hedy Lamarr');
    await eventually(async () =>
      expect(await latePage.getByRole('alert').innerText()).toBe(
        'This class is full (2 learners): ask your instructor to make room.',
      ),
    );

    for (const context of [instructor, ...learners, late]) await context.close();
  }, 180_000);
});
