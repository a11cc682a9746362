import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { eventually, usePlatformAndBrowser, waitForPrompt, waitForStatus } from './helpers/browser.ts';

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

  it('lets an instructor make a class that two learners join, follow them live, watch and help, and tell the room', async () => {
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
    const pages: Page[] = [];
    for (const [i, context] of learners.entries()) {
      const page = await context.newPage();
      pages.push(page);
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

    await late.close();

    // Ada opens lesson 1 and checks before doing anything: the roster shows her failure and its
    // message, live.
    const ada = pages[0]!;
    await ada.goto(`${platform.url}/lessons/first-container/`);
    await waitForPrompt(ada);
    const exercise = ada.getByRole('region', { name: 'Run your first container' });
    await exercise.getByRole('button', { name: 'Check' }).click();
    await waitForStatus(exercise, /Not yet/i);
    const adaRow = panel.getByRole('row', { name: /Ada Lovelace/ });
    const firstCell = adaRow.locator('td[data-exercise="first-container/run-hello-world"]');
    await eventually(async () => {
      expect(await adaRow.getByTestId('last-message').innerText()).toContain(
        'The hello-world image is not on your machine yet.',
      );
      expect(await firstCell.getAttribute('class')).toContain('heat-trying');
      expect(await firstCell.getAttribute('title')).toContain('trying, 1 failed check');
    });
    // One bar per exercise counts the room.
    expect(await panel.locator('li[data-exercise="first-container/run-hello-world"]').innerText()).toContain(
      '0 passed, 1 trying, 1 not started',
    );

    // The instructor watches Ada's terminal and sees what she types; watch mode takes no keys.
    await adaRow.getByRole('button', { name: 'Watch Ada Lovelace' }).click();
    const watched = view.getByRole('region', { name: "Ada Lovelace's terminal" });
    await eventually(async () =>
      expect(await watched.getByRole('status').innerText()).toContain('Watching Ada Lovelace'),
    );
    await ada.getByRole('region', { name: 'Terminal' }).click();
    await ada.keyboard.type('echo watched-$((6*7))');
    await ada.keyboard.press('Enter');
    await eventually(async () => expect(await watched.innerText()).toContain('watched-42'));

    // Helping: what the instructor types runs in Ada's shell, and her page says so.
    await watched.getByRole('button', { name: 'Type in it (help)' }).click();
    await eventually(async () => expect(await watched.getByRole('status').innerText()).toContain('Helping'));
    await watched.locator('.terminal-host').click();
    await view.keyboard.type('docker run hello-world');
    await eventually(async () =>
      expect(await ada.getByText('Your instructor is typing in your terminal').count()).toBe(1),
    );
    await view.keyboard.press('Enter');
    await eventually(async () =>
      expect(await ada.getByRole('region', { name: 'Terminal' }).innerText()).toMatch(/Hello from Dockyard!/),
    );
    await watched.getByRole('button', { name: 'Close' }).click();

    // Ada checks again and passes: the roster's cell turns to a tick, with no reload.
    await exercise.getByRole('button', { name: 'Check' }).click();
    await waitForStatus(exercise, /Passed/i);
    await eventually(async () => {
      expect(await firstCell.getAttribute('class')).toContain('heat-passed');
      expect(await adaRow.getByTestId('last-message').count()).toBe(0);
    });

    // Ada's machine gets more time, in words.
    await adaRow.getByRole('button', { name: 'Give Ada Lovelace 30 more minutes' }).click();
    await eventually(async () =>
      expect(await adaRow.getByRole('status').innerText()).toBe('30 more minutes.'),
    );

    // A broadcast reaches both learners' pages as a banner: Ada's lesson page, and Katherine's join
    // page, which opened before she had joined (its stream was refused then, and is opened again).
    const message = 'Break for 10 minutes <i>now</i>';
    await view.getByLabel('Message to the class').fill(message);
    await view.getByRole('button', { name: 'Send to everyone' }).click();
    await view.getByText(`Sent to the class: "${message}"`).waitFor();
    for (const page of pages)
      await eventually(async () =>
        expect(
          await page.getByRole('region', { name: 'Messages from your instructor' }).innerText(),
        ).toContain(`Morning workshop: ${message}`),
      );

    // The results download as CSV from the class's link.
    const csvHref = await panel.getByRole('link', { name: 'Download results (CSV)' }).getAttribute('href');
    const csv = await view.evaluate(async (href) => (await fetch(href!)).text(), csvHref);
    expect(csv.split('\n')[0]).toContain('first-container/run-hello-world state');
    expect(csv).toMatch(/Ada Lovelace,passed/);

    for (const context of [instructor, ...learners]) await context.close();
  }, 300_000);
});
