import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { readScenario, zipOf } from '../engine/src/testing/scenarios.ts';
import {
  contextAs,
  eventually,
  usePlatformAndBrowser,
  waitForPrompt,
  waitForStatus,
} from './helpers/browser.ts';
import { classWithLearner, INSTRUCTOR_PASSWORD, newInstructor } from './helpers/instructors.ts';

const ADMIN = 'admin-browser-exercises-token-0123456789';
const SLUG = 'greeting-file';

const PAGE = `# Leave a greeting

Write a greeting into a file in your home folder.

::run[echo hello > ~/greeting.txt]

::exercise{id=leave-greeting}
`;

/** The exercises YAML; `path` is where the check looks (a wrong one passes on any machine). */
const exercises = (path: string) => `exercises:
  - id: leave-greeting
    title: Leave a greeting
    solve: echo hello > ~/greeting.txt
    checks:
      - id: greeting-written
        kind: file
        path: ${path}
        title: the greeting is written
        message: ${path} is missing.
        hint: Press Run above.
`;

/** Replaces what a CodeMirror editor holds, as a paste would. */
async function replaceText(editor: Locator, text: string): Promise<void> {
  await editor.click();
  await editor.press('ControlOrMeta+a');
  await editor.press('Delete');
  await editor.fill(text);
}

/** Proves the open lesson and waits for the verdict in the Proof region. */
async function prove(view: Page, verdict: RegExp): Promise<Locator> {
  await view.getByRole('button', { name: 'Prove' }).click();
  await eventually(
    async () => expect(await view.getByText(verdict).count()).toBeGreaterThan(0),
    120_000,
  ).catch(async (err: unknown) => {
    throw new Error(
      `${String(err)}\nThe editor shows:\n${await view.getByRole('region', { name: /Editing|New lesson/ }).innerText()}`,
    );
  });
  return view.getByRole('region', { name: 'Proof' });
}

// Issue 10's story in Chromium: an instructor writes a class exercise in the browser with one wrong
// check, sees the proof fail on that check, fixes it, proves and publishes it; a learner of the class
// sees it on the course home, solves it in their terminal and passes; a learner of another class does
// not see it.
describe("instructors' exercises in the browser", () => {
  const env = usePlatformAndBrowser({
    DOCKYARD_INSTRUCTOR_TOKEN: ADMIN,
    DOCKYARD_PROOF_SCRIPT_SECONDS: '30',
  });

  it(
    'writes, proves (failing, then passing), publishes, and a learner of the class passes it',
    async () => {
      const { platform } = env;
      const teacher = await newInstructor(platform, ADMIN, 'lin');
      const { classId, learner: ada } = await classWithLearner(
        platform,
        teacher,
        'Authoring workshop',
        'Ada',
      );
      const other = await newInstructor(platform, ADMIN, 'mae');
      const { learner: bob } = await classWithLearner(platform, other, 'Another workshop', 'Bob');
      expect(classId).toBeTruthy();

      // The instructor signs in and opens the class's Exercises.
      const instructor = await env.browser.newContext();
      const view = await instructor.newPage();
      await view.goto(platform.url + '/instructor/');
      await view.getByLabel('Username').fill('lin');
      await view.getByLabel('Password').fill(INSTRUCTOR_PASSWORD);
      await view.getByRole('button', { name: 'Sign in' }).click();
      const panel = view.getByRole('region', { name: 'Authoring workshop' });
      await panel.waitFor();
      const section = panel.getByRole('region', { name: 'Exercises' });
      await section.getByRole('button', { name: 'New exercise' }).click();

      // A schema error is marked as the instructor types, before any save.
      await view.getByLabel('Slug').fill(SLUG);
      const pageEditor = view.getByRole('textbox', { name: 'Page (Markdown)' });
      const yamlEditor = view.getByRole('textbox', { name: 'Exercises (YAML)' });
      await replaceText(pageEditor, PAGE);
      await replaceText(yamlEditor, exercises('/etc/hostname').replace('kind: file', 'kind: fil'));
      const problems = view.getByRole('region', { name: 'Problems' });
      await eventually(async () => expect(await problems.innerText()).toMatch(/exercises.*kind/i));

      // The preview shows the page as the learner will see it, the exercise's title included.
      const preview = view.getByRole('region', { name: 'Preview' });
      await eventually(async () => expect(await preview.innerText()).toContain('Leave a greeting'));

      // The wrong check (a file every machine has) passes before the solve: the proof fails on it.
      await replaceText(yamlEditor, exercises('/etc/hostname'));
      await view.getByRole('button', { name: 'Save' }).click();
      await eventually(async () => expect(await view.getByText('Saved version 1').count()).toBe(1));
      const failed = await prove(view, /The proof of version 1 failed/);
      expect(await failed.innerText()).toContain('greeting-written');
      await expect(view.getByRole('button', { name: 'Publish' }).isDisabled()).resolves.toBe(true);

      // Fixed, saved, proven and published.
      await replaceText(yamlEditor, exercises('~/greeting.txt'));
      await view.getByRole('button', { name: 'Save' }).click();
      await eventually(async () => expect(await view.getByText('Saved version 2').count()).toBe(1));
      await prove(view, /Version 2 is proven/);
      await view.getByRole('button', { name: 'Publish' }).click();
      await eventually(async () =>
        expect(await view.getByText(/Published version 2/).count()).toBeGreaterThan(0),
      );

      // Ada, of the class, finds it on the course home, opens it and passes it in her terminal.
      const adaContext = await contextAs(env.browser, platform.url, ada.cookie);
      const adaPage = await adaContext.newPage();
      await adaPage.goto(platform.url + '/');
      await adaPage.getByRole('link', { name: 'Leave a greeting' }).click();
      await adaPage.waitForURL(new RegExp(`/class/lesson/\\?slug=${SLUG}$`));
      await waitForPrompt(adaPage);
      const card = adaPage.getByRole('region', { name: 'Leave a greeting' });
      await card.getByRole('button', { name: 'Check' }).click();
      await waitForStatus(card, /Not yet/i);
      await adaPage.getByRole('button', { name: 'Run' }).first().click();
      await card.getByRole('button', { name: 'Check' }).click();
      await waitForStatus(card, /Passed/i, 30_000);

      // Bob, of another class, neither finds it nor opens it.
      const bobContext = await contextAs(env.browser, platform.url, bob.cookie);
      const bobPage = await bobContext.newPage();
      await bobPage.goto(platform.url + '/');
      await bobPage.getByRole('heading', { level: 1 }).first().waitFor();
      expect(await bobPage.getByRole('link', { name: 'Leave a greeting' }).count()).toBe(0);
      await bobPage.goto(`${platform.url}/class/lesson/?slug=${SLUG}`);
      await eventually(async () =>
        expect(await bobPage.locator('main').innerText()).toMatch(/not open to you/i),
      );
      expect(await bobPage.getByRole('button', { name: 'Check' }).count()).toBe(0);

      // A Killercoda scenario imported as a zip: the report lists what did not carry over, and the
      // imported lesson opens in the editor, ready to prove.
      await view.getByRole('button', { name: 'Close editor' }).click();
      await section.getByLabel('Killercoda scenario (.zip)').setInputFiles({
        name: 'nginx-image.zip',
        mimeType: 'application/zip',
        buffer: Buffer.from(zipOf(readScenario('nginx-image'), 'nginx-image/')),
      });
      await section.getByRole('button', { name: 'Import from Killercoda' }).click();
      await view.getByRole('region', { name: 'Editing Build and run an nginx image' }).waitFor();
      expect(await section.innerText()).toMatch(/interrupt/);
      expect(await section.getByRole('row', { name: /Build and run an nginx image/ }).count()).toBe(1);

      if (process.env.DOCKYARD_SCREENSHOTS) {
        await view
          .getByRole('region', { name: 'Editing Build and run an nginx image' })
          .screenshot({ path: `${process.env.DOCKYARD_SCREENSHOTS}/editor.png` });
        await adaPage.screenshot({
          path: `${process.env.DOCKYARD_SCREENSHOTS}/class-lesson.png`,
          fullPage: true,
        });
        await bobPage.screenshot({
          path: `${process.env.DOCKYARD_SCREENSHOTS}/not-open.png`,
          fullPage: true,
        });
      }
      await Promise.all([instructor.close(), adaContext.close(), bobContext.close()]);
    },
    8 * 60_000,
  );
});
