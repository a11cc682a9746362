import { describe, expect, it } from 'vitest';
import {
  contextAs,
  eventually,
  runInTerminal,
  usePlatformAndBrowser,
  waitForPrompt,
} from './helpers/browser.ts';
import { classWithLearner, INSTRUCTOR_PASSWORD, newInstructor } from './helpers/instructors.ts';

const ADMIN = 'admin-browser-reports-token-0123456789';

// A learner of a class reports a broken step with their terminal's last lines; the class's
// instructor, whose page is open, sees it arrive without a reload, with the lines, and marks it done;
// so does the admin view; another instructor does not see it.
describe('reporting a problem in the browser', () => {
  const env = usePlatformAndBrowser({ DOCKYARD_INSTRUCTOR_TOKEN: ADMIN });

  it(
    "files a learner's report, with their terminal lines, that their instructor sees and marks done",
    async () => {
      const { platform } = env;
      const teacher = await newInstructor(platform, ADMIN, 'rhea');
      const { learner } = await classWithLearner(platform, teacher, 'Report workshop', 'Ada');
      await newInstructor(platform, ADMIN, 'other-teacher');

      const signIn = async (username: string) => {
        const context = await env.browser.newContext();
        const page = await context.newPage();
        await page.goto(platform.url + '/instructor/');
        await page.getByLabel('Username').fill(username);
        await page.getByLabel('Password').fill(INSTRUCTOR_PASSWORD);
        await page.getByRole('button', { name: 'Sign in' }).click();
        const reports = page.getByRole('region', { name: 'Reports' });
        await reports.waitFor();
        return { context, reports };
      };

      // The pages are open before the report is filed: it must arrive by itself.
      const mine = await signIn('rhea');
      await eventually(async () => expect(await mine.reports.innerText()).toContain('No report yet.'));
      const adminContext = await env.browser.newContext();
      const admin = await adminContext.newPage();
      await admin.goto(platform.url + '/instructor/?admin');
      await admin.getByLabel('Instructor token').fill(ADMIN);
      await admin.getByRole('button', { name: 'Show the class' }).click();
      const adminReports = admin.getByRole('region', { name: 'Reports' });
      await eventually(async () =>
        expect(await adminReports.innerText()).toContain('What every learner reported'),
      );

      const adaContext = await contextAs(env.browser, platform.url, learner.cookie);
      const ada = await adaContext.newPage();
      await ada.goto(`${platform.url}/lessons/first-container/`);
      await waitForPrompt(ada);
      await runInTerminal(ada, 'echo report-$((6*7))', /report-42/);

      const report = ada.locator('details', { hasText: 'Report a problem' }).first();
      await report.getByText('Report a problem').click();
      await report
        .getByLabel('What went wrong?')
        .fill('The second step says hello-world but my machine says nothing.');
      await report.getByLabel('Attach my last 50 terminal lines').check();
      await report.getByRole('button', { name: 'Send report' }).click();
      await eventually(async () =>
        expect(await report.getByRole('status').innerText()).toContain('Thank you: your report was sent.'),
      );

      await eventually(async () => {
        const text = await mine.reports.innerText();
        expect(text).toContain('my machine says nothing');
        expect(text).toContain('Ada');
        expect(await mine.reports.getByLabel('Terminal lines').innerText()).toContain('report-42');
      });
      await eventually(async () =>
        expect(await adminReports.innerText()).toContain('my machine says nothing'),
      );
      await mine.reports.getByRole('button', { name: 'Mark done' }).click();
      await eventually(async () =>
        expect(await mine.reports.innerText()).not.toContain('my machine says nothing'),
      );
      // Marked done on the instructor's page: the admin view's open list drops it too, live.
      await eventually(async () =>
        expect(await adminReports.innerText()).not.toContain('my machine says nothing'),
      );

      const theirs = await signIn('other-teacher');
      await theirs.reports.getByRole('button', { name: 'Refresh' }).click();
      expect(await theirs.reports.innerText()).not.toContain('my machine says nothing');

      await Promise.all([
        adaContext.close(),
        mine.context.close(),
        theirs.context.close(),
        adminContext.close(),
      ]);
    },
    5 * 60_000,
  );
});
