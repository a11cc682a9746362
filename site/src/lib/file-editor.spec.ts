import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from './api.ts';
import {
  fileProblem,
  filesUrl,
  foldersToRelist,
  isMissing,
  sameEntries,
  insertSnippet,
  languageFor,
  listFolder,
  onEditorRequest,
  openFile,
  openInEditor,
  saveFile,
  type EditorRequest,
} from './file-editor.ts';

describe('languageFor', () => {
  it('highlights by file name, and falls back to plain text', () => {
    expect(languageFor('/home/learner/app/Dockerfile')).toBe('dockerfile');
    expect(languageFor('Dockerfile.dev')).toBe('dockerfile');
    expect(languageFor('web.dockerfile')).toBe('dockerfile');
    expect(languageFor('compose.yaml')).toBe('yaml');
    expect(languageFor('.github/ci.YML')).toBe('yaml');
    expect(languageFor('app.py')).toBe('python');
    expect(languageFor('main.go')).toBe('go');
    expect(languageFor('README.md')).toBe('markdown');
    expect(languageFor('run.sh')).toBe('shell');
    expect(languageFor('/home/learner/.bashrc')).toBe('shell');
    expect(languageFor('notes.txt')).toBe('text');
    expect(languageFor('Makefile')).toBe('text');
  });
});

describe('the file routes, on a machine', () => {
  afterEach(() => vi.unstubAllGlobals());

  it("name the machine, unless it is the first (the routes' default)", () => {
    expect(filesUrl({ sessionId: 's 1' }, 'list')).toBe('/api/sessions/s%201/files');
    expect(filesUrl({ sessionId: 's1', machine: 'node1' }, 'list', '/home/learner/a b')).toBe(
      '/api/sessions/s1/files?path=%2Fhome%2Flearner%2Fa%20b',
    );
    expect(filesUrl({ sessionId: 's1', machine: 'node2' }, 'list', '/home/learner')).toBe(
      '/api/sessions/s1/files?path=%2Fhome%2Flearner&machine=node2',
    );
    expect(filesUrl({ sessionId: 's1', machine: 'node2' }, 'list')).toBe(
      '/api/sessions/s1/files?machine=node2',
    );
    expect(filesUrl({ sessionId: 's1', machine: 'node3' }, 'content', '/home/learner/x')).toBe(
      '/api/sessions/s1/files/content?path=%2Fhome%2Flearner%2Fx&machine=node3',
    );
    expect(filesUrl({ sessionId: 's1', machine: 'node2' }, 'content')).toBe(
      '/api/sessions/s1/files/content?machine=node2',
    );
  });

  it('list, open and save on the machine asked for', async () => {
    const calls: { url: string; method: string; body?: unknown }[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init: RequestInit) => {
        calls.push({
          url,
          method: init.method ?? 'GET',
          body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
        });
        return new Response(JSON.stringify({ path: '/home/learner', entries: [] }), { status: 200 });
      }),
    );
    const node2 = { sessionId: 's1', token: 't', machine: 'node2' };
    await listFolder(node2, '/home/learner');
    await openFile(node2, '/home/learner/app.py');
    await saveFile(node2, '/home/learner/app.py', 'print(1)\n', '2024-01-01T00:00:00Z');
    await listFolder({ sessionId: 's1', token: 't' }, '/home/learner');
    await saveFile({ sessionId: 's1', token: 't', machine: 'node1' }, '/home/learner/a', '');
    expect(calls).toEqual([
      { url: '/api/sessions/s1/files?path=%2Fhome%2Flearner&machine=node2', method: 'GET' },
      { url: '/api/sessions/s1/files/content?path=%2Fhome%2Flearner%2Fapp.py&machine=node2', method: 'GET' },
      {
        url: '/api/sessions/s1/files/content?machine=node2',
        method: 'PUT',
        body: { path: '/home/learner/app.py', content: 'print(1)\n', expectedMtime: '2024-01-01T00:00:00Z' },
      },
      { url: '/api/sessions/s1/files?path=%2Fhome%2Flearner', method: 'GET' },
      {
        url: '/api/sessions/s1/files/content',
        method: 'PUT',
        body: { path: '/home/learner/a', content: '' },
      },
    ]);
  });
});

describe('foldersToRelist', () => {
  const home = '/home/learner';
  it("lists home, the open folders that are shown, and the open file's folder", () => {
    const expanded = new Set([home, `${home}/app`, `${home}/app/src`, `${home}/old`, `${home}/old/inner`]);
    // ~/old was closed after ~/old/inner was opened: ~/old/inner is not shown, so not listed.
    expanded.delete(`${home}/old`);
    expect(foldersToRelist(home, expanded)).toEqual([home, `${home}/app`, `${home}/app/src`]);
    expect(foldersToRelist(home, expanded, `${home}/web/Dockerfile`)).toEqual([
      home,
      `${home}/app`,
      `${home}/app/src`,
      `${home}/web`,
    ]);
    expect(foldersToRelist(home, new Set([home]), `${home}/notes.txt`)).toEqual([home]);
    expect(foldersToRelist(home, new Set([home]), '/etc/hosts')).toEqual([home]);
  });
});

describe('sameEntries and isMissing', () => {
  it('compare listings by name, type and size, and know a missing file', () => {
    const a = [{ name: 'a.txt', type: 'file' as const, size: 1 }];
    expect(sameEntries(a, [{ name: 'a.txt', type: 'file', size: 1 }])).toBe(true);
    expect(sameEntries(a, [{ name: 'a.txt', type: 'file', size: 2 }])).toBe(false);
    expect(sameEntries(a, [])).toBe(false);
    expect(sameEntries(undefined, [])).toBe(false);
    expect(isMissing(new ApiError('No such folder.', 404, 'file_not_found'))).toBe(true);
    expect(isMissing(new ApiError('Gone.', 404, 'session_idle'))).toBe(false);
  });
});

describe('fileProblem', () => {
  it('offers a reload or an overwrite after a 409, and passes other sentences on', () => {
    expect(fileProblem(new ApiError('x was changed.', 409, 'file_changed'))).toMatchObject({
      changed: true,
      message: expect.stringMatching(/Reload/),
    });
    expect(fileProblem(new ApiError('x was deleted.', 409, 'file_deleted'))).toEqual({
      message: 'x was deleted.',
      deleted: true,
    });
    expect(fileProblem(new ApiError('At most 1 MiB.', 413, 'file_too_large'))).toEqual({
      message: 'At most 1 MiB.',
    });
  });
});

describe('openInEditor and insertSnippet', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('reach a listening editor, and one that starts listening later', () => {
    vi.stubGlobal('window', new EventTarget());
    openInEditor('early.txt');
    const seen: EditorRequest[] = [];
    const stop = onEditorRequest((r) => seen.push(r));
    insertSnippet('app/Dockerfile', 'EXPOSE 80\n');
    stop();
    openInEditor('after.txt');
    expect(seen).toEqual([
      { kind: 'open', path: 'early.txt' },
      { kind: 'insert', path: 'app/Dockerfile', text: 'EXPOSE 80\n' },
    ]);
  });
});
