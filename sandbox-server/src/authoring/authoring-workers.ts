import { Worker } from 'node:worker_threads';
import { ImportError } from '../../../engine/src/import/import-error.ts';
import type { KillercodaImport } from '../../../engine/src/import/killercoda.ts';
import type { PageContext, RenderedPage } from '../../../engine/src/pages/render-page.ts';
import { TooManyRequests } from '../http/api-error.ts';
import { logger } from '../logger.ts';

// Renders instructor pages and imports Killercoda scenarios on worker threads. Both are pure and
// synchronous, and a pathological 1 MiB page takes seconds to render: on the event loop, one
// instructor's save would freeze every learner's terminal meanwhile. A worker that passes its deadline
// is terminated (a new one takes its place), and the page gets a problem instead of HTML.

/** What a worker is asked to do. */
export type AuthoringJob =
  | { kind: 'render'; markdown: string; context: PageContext }
  | { kind: 'import-zip'; zip: Uint8Array; name: string }
  | { kind: 'import-files'; files: Record<string, string>; folder?: string };

/** What a worker answers: the value, an ImportError's fields, or any other error's stack. */
export type AuthoringReply =
  | { ok: true; value: unknown }
  | { ok: false; importError: { file: string; line: number | undefined; message: string } }
  | { ok: false; error: string };

/** Where the scenario of an import comes from: an uploaded zip or pasted files. */
export type KillercodaSource =
  { zip: Uint8Array; name: string } | { files: Record<string, string>; folder?: string };

/** Renders pages and imports scenarios; what the class-lesson routes need. */
export interface PageWork {
  render(markdown: string, context: PageContext): Promise<RenderedPage>;
  importKillercoda(source: KillercodaSource): Promise<KillercodaImport>;
}

export interface AuthoringWorkersOptions {
  /** Workers at most (each renders one page at a time). */
  workers?: number;
  /** A job still running after this long is stopped. */
  deadlineMs?: number;
  /** Jobs waiting for a worker at most; past it, a 429. */
  maxWaiting?: number;
  /** Each worker's heap at most (a page that needs more fails, not the server). */
  maxHeapMb?: number;
}

/** The problem of a page whose render passed the deadline. */
export const tooLongToRender = (seconds: number) =>
  `The page took too long to render (over ${seconds} s), so it was stopped. Something in it makes the Markdown parser slow: split it, or remove deep nesting and long runs of brackets or emphasis marks.`;

interface Pending {
  job: AuthoringJob;
  /** The transfer list: an uploaded zip moves to the worker instead of being copied. */
  transfer: ArrayBuffer[];
  settle: (reply: AuthoringReply | 'timeout' | Error) => void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  job?: Pending;
  timer?: NodeJS.Timeout;
}

const entry = new URL('../tsx-worker.mjs', import.meta.url);
const workerModule = new URL('./authoring-worker.ts', import.meta.url).href;

/** A small pool of worker threads for the CPU-bound steps of saving a class lesson. */
export class AuthoringWorkers implements PageWork {
  private readonly slots = new Set<Slot>();
  private readonly waiting: Pending[] = [];
  private readonly max: number;
  private readonly deadlineMs: number;
  private readonly maxWaiting: number;
  private readonly maxHeapMb: number;

  constructor(options: AuthoringWorkersOptions = {}) {
    this.max = options.workers ?? 2;
    this.deadlineMs = options.deadlineMs ?? 10_000;
    this.maxWaiting = options.maxWaiting ?? 50;
    this.maxHeapMb = options.maxHeapMb ?? 512;
  }

  async render(markdown: string, context: PageContext): Promise<RenderedPage> {
    const reply = await this.run({ kind: 'render', markdown, context }, []);
    if (reply === 'timeout')
      return {
        html: '',
        problems: [{ line: 1, field: 'page', message: tooLongToRender(this.deadlineMs / 1000) }],
      };
    if (reply instanceof WorkerBootError) throw reply;
    if (reply instanceof Error)
      return {
        html: '',
        problems: [{ line: 1, field: 'page', message: `The page could not be rendered: ${reply.message}` }],
      };
    return unwrap(reply) as RenderedPage;
  }

  async importKillercoda(source: KillercodaSource): Promise<KillercodaImport> {
    const job: AuthoringJob =
      'zip' in source
        ? { kind: 'import-zip', zip: source.zip, name: source.name }
        : { kind: 'import-files', files: source.files, ...(source.folder ? { folder: source.folder } : {}) };
    // The zip moves to the worker rather than being copied, when it owns its whole buffer (a slice of
    // Node's shared pool must not be detached).
    const own =
      'zip' in source &&
      source.zip.byteOffset === 0 &&
      source.zip.byteLength === source.zip.buffer.byteLength;
    const transfer = own ? [source.zip.buffer as ArrayBuffer] : [];
    const reply = await this.run(job, transfer);
    const upload = 'zip' in source ? source.name : (source.folder ?? 'scenario');
    if (reply === 'timeout')
      throw new ImportError(
        upload,
        `The import took too long (over ${this.deadlineMs / 1000} s), so it was stopped.`,
      );
    if (reply instanceof WorkerBootError) throw reply;
    if (reply instanceof Error)
      throw new ImportError(upload, `The upload could not be read: ${reply.message}`);
    return unwrap(reply) as KillercodaImport;
  }

  /** Starts a worker now, so the first save does not wait the second or so it takes to load. */
  warm(): void {
    if (this.slots.size === 0) this.spawn();
  }

  /** Stops every worker; the jobs in flight or waiting get an error. */
  async close(): Promise<void> {
    const slots = [...this.slots];
    this.slots.clear();
    const closed = new WorkerBootError('The server is shutting down.');
    for (const slot of slots) this.finish(slot, closed);
    for (const pending of this.waiting.splice(0)) pending.settle(closed);
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  private run(job: AuthoringJob, transfer: ArrayBuffer[]): Promise<AuthoringReply | 'timeout' | Error> {
    if (this.waiting.length >= this.maxWaiting)
      throw new TooManyRequests(
        'The server is rendering many pages right now: try again in a few seconds.',
        5,
      );
    return new Promise((settle) => {
      this.waiting.push({ job, transfer, settle });
      this.dispatch();
    });
  }

  /** Hands waiting jobs to ready idle workers, starting workers up to the limit. */
  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.waiting.length === 0) return;
      if (slot.ready && !slot.job) this.start(slot, this.waiting.shift()!);
    }
    const booting = [...this.slots].filter((s) => !s.ready).length;
    if (this.waiting.length > booting && this.slots.size < this.max) this.spawn();
  }

  private start(slot: Slot, pending: Pending): void {
    slot.job = pending;
    slot.timer = setTimeout(() => this.stop(slot, 'timeout'), this.deadlineMs);
    slot.worker.postMessage(pending.job, pending.transfer);
  }

  private spawn(): void {
    const worker = new Worker(entry, {
      workerData: { entry: workerModule },
      resourceLimits: { maxOldGenerationSizeMb: this.maxHeapMb },
    });
    // An idle worker does not keep the process alive.
    worker.unref();
    const slot: Slot = { worker, ready: false };
    this.slots.add(slot);
    worker.on('message', (message: AuthoringReply | 'ready') => {
      if (message === 'ready') slot.ready = true;
      else this.finish(slot, message);
      this.dispatch();
    });
    worker.on('error', (err) => {
      logger.error({ err }, 'an authoring worker failed');
      this.stop(slot, err);
    });
    worker.on('exit', () => this.stop(slot, new Error('the worker stopped')));
  }

  /** A job's answer: the worker is free for the next. */
  private finish(slot: Slot, reply: AuthoringReply | 'timeout' | Error): void {
    clearTimeout(slot.timer);
    const pending = slot.job;
    slot.job = undefined;
    pending?.settle(reply);
  }

  /** Ends a worker (past its deadline, failed or gone) and its job; another replaces it if needed. */
  private stop(slot: Slot, why: 'timeout' | Error): void {
    if (!this.slots.delete(slot)) return;
    this.finish(slot, why);
    void slot.worker.terminate();
    // A worker that never got ready is the server's fault, not the page's: the jobs waiting fail (a
    // logged 500) rather than respawning workers forever.
    if (!slot.ready && why instanceof Error) {
      const failed = new WorkerBootError(`An authoring worker could not start: ${why.message}`);
      for (const pending of this.waiting.splice(0)) pending.settle(failed);
    }
    this.dispatch();
  }
}

/** The pool itself failed (a worker would not start, or the server is closing): not the content's fault. */
class WorkerBootError extends Error {}

function unwrap(reply: AuthoringReply): unknown {
  if (reply.ok) return reply.value;
  if ('importError' in reply) {
    const { file, message, line } = reply.importError;
    throw new ImportError(file, message, line);
  }
  throw new Error(reply.error);
}
