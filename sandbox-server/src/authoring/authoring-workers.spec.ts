import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeZip } from '../../../engine/src/testing/zip.ts';
import { ImportError } from '../../../engine/src/import/import-error.ts';
import { AuthoringWorkers } from './authoring-workers.ts';

// The pool runs its TypeScript worker under vitest as the server runs it under tsx: through
// tsx-worker.mjs, which registers tsx inside the thread.
const workers = new AuthoringWorkers({ workers: 2 });
// A worker takes a second or more to load its modules (more on a busy machine).
beforeAll(() => workers.render('', { exercises: [], quizzes: [] }), 30_000);
afterAll(() => workers.close());

describe('AuthoringWorkers', () => {
  it('renders a page on a worker thread, with its problems on their lines', async () => {
    const rendered = await workers.render('# Hi\n\n::exercise{id=one}\n\n<script>x</script>\n', {
      exercises: ['one'],
      quizzes: [],
    });
    expect(rendered.html).toContain('<div data-dockyard="exercise" data-id="one"></div>');
    expect(rendered.problems).toEqual([
      { line: 5, field: 'html', message: expect.stringMatching(/^Raw HTML/) },
    ]);
  });

  it('renders several pages at once', async () => {
    const pages = await Promise.all(
      Array.from({ length: 5 }, (_, i) => workers.render(`# Page ${i}\n`, { exercises: [], quizzes: [] })),
    );
    expect(pages.map((p) => p.html)).toEqual(Array.from({ length: 5 }, (_, i) => `<h1>Page ${i}</h1>`));
  });

  it('stops a render past its deadline with a problem, and renders the next page on a new worker', async () => {
    const hasty = new AuthoringWorkers({ workers: 1, deadlineMs: 30 });
    try {
      // Ready first, so the deadline times the render and not the worker's start.
      await hasty.render('warm', { exercises: [], quizzes: [] }).catch(() => undefined);
      const slow = await hasty.render('* a\n'.repeat(100_000), { exercises: [], quizzes: [] });
      expect(slow).toEqual({
        html: '',
        problems: [
          { line: 1, field: 'page', message: expect.stringMatching(/^The page took too long to render/) },
        ],
      });
    } finally {
      await hasty.close();
    }
    expect((await workers.render('# After', { exercises: [], quizzes: [] })).html).toBe('<h1>After</h1>');
  }, 30_000);

  it('imports a zip, and hands back an ImportError naming the file', async () => {
    const zip = makeZip([{ name: '../index.json', data: '{}' }]);
    const err = await workers.importKillercoda({ zip, name: 'bad.zip' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportError);
    expect(String(err)).toMatch(/\.\./);
  });
});
