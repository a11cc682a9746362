import { parentPort } from 'node:worker_threads';
import { ImportError } from '../../../engine/src/import/import-error.ts';
import { importKillercodaFiles, importKillercodaZip } from '../../../engine/src/import/killercoda.ts';
import { renderPage } from '../../../engine/src/pages/render-page.ts';
import type { AuthoringJob, AuthoringReply } from './authoring-workers.ts';

// A worker thread of AuthoringWorkers: renders instructor pages and imports Killercoda scenarios, the
// two pure but CPU-bound steps of saving a class lesson, so that a pathological page or upload keeps
// this thread busy, not the server's event loop. One job at a time; it says `ready` once loaded.

const port = parentPort!;

function run(job: AuthoringJob): AuthoringReply {
  try {
    switch (job.kind) {
      case 'render':
        return { ok: true, value: renderPage(job.markdown, job.context) };
      case 'import-zip':
        return { ok: true, value: importKillercodaZip(job.zip, { name: job.name }) };
      case 'import-files':
        return {
          ok: true,
          value: importKillercodaFiles(job.files, job.folder === undefined ? {} : { folder: job.folder }),
        };
    }
  } catch (err) {
    if (err instanceof ImportError)
      return { ok: false, importError: { file: err.file, line: err.line, message: err.message } };
    return { ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
  }
}

port.on('message', (job: AuthoringJob) => port.postMessage(run(job)));
port.postMessage('ready');
