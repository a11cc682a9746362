import type { IncomingMessage } from 'node:http';
import { stringify } from 'yaml';
import type { ApiErrorBody } from '../../../engine/src/contract.ts';
import { ImportError } from '../../../engine/src/import/import-error.ts';
import { killercodaLimits } from '../../../engine/src/import/killercoda.ts';
import type { ClassRecord } from '../classroom/classes.ts';
import { ApiError, badRequest } from '../http/api-error.ts';
import { json, readBody, readJson, SEGMENT, type Route } from '../http/http-routing.ts';
import type { KillercodaSource, PageWork } from './authoring-workers.ts';
import { pageTitle } from './class-lesson-input.ts';

// Imports a Killercoda scenario as a class lesson: the engine turns the uploaded zip (or pasted
// files) into a page and an exercises file, whose YAML is then saved through the same path as
// POST /api/classes/{id}/exercises: every check, the page rendered, one transaction. Nothing is
// half-saved: an import that fails, or content that does not pass, leaves nothing behind.

/** An upload (a zip, or the JSON of pasted files) is at most this big: the importer's own zip limit. */
export const IMPORT_BODY_MAX = killercodaLimits.maxZipBytes;
/** A bigger body is read (and dropped) up to this, so the client gets the 413; past it, the connection closes. */
const IMPORT_DRAIN = IMPORT_BODY_MAX + 16 * 1024 * 1024;
/** A zip's file name, from `?name=` (it names the zip in errors, and gives the slug of a zip without a folder). */
const ZIP_NAME = /^[\w .-]{1,100}$/;

/** One problem of an import: the file at fault (a path in the scenario, or the zip), its line. */
export interface ImportProblem {
  in: 'import';
  file: string;
  line: number | null;
  message: string;
}

/** A 400 for an upload the importer refused: `{ error: { field: 'file', message: 'file:line: message' }, problems }`. */
export class ImportFailed extends ApiError {
  readonly problems: ImportProblem[];

  constructor(err: ImportError) {
    super(400, 'bad_request', err.toString(), 'file');
    this.problems = [{ in: 'import', file: err.file, line: err.line ?? null, message: err.message }];
  }

  override toJSON(): ApiErrorBody & { problems: ImportProblem[] } {
    return { ...super.toJSON(), problems: this.problems };
  }
}

export interface ImportRouteContext {
  ownClass: (req: IncomingMessage, id: string, changes: boolean) => ClassRecord;
  work: PageWork;
  /** The save path of POST …/exercises. */
  save: (found: ClassRecord, body: Record<string, unknown>) => Promise<{ slug: string; version: number }>;
}

/** `POST /api/classes/{id}/imports/killercoda`: a zip or pasted files → a new class lesson (or version). */
export function killercodaImportRoute(ctx: ImportRouteContext): Route {
  return {
    method: 'POST',
    pattern: new RegExp(`^/api/classes/${SEGMENT}/imports/killercoda$`),
    handler: async (req, res, [id]) => {
      const found = ctx.ownClass(req, id!, true);
      const query = new URL(req.url ?? '/', 'http://x').searchParams;
      const source = await readSource(req, query);
      const imported = await ctx.work.importKillercoda(source).catch((err: unknown) => {
        throw err instanceof ImportError ? new ImportFailed(err) : err;
      });
      const saved = await ctx.save(found, {
        slug: query.get('slug') ?? imported.slug,
        // A class lesson's title is its page's first `# Heading`: the scenario's title becomes one.
        page:
          pageTitle(imported.page) === undefined ? `# ${imported.title}\n\n${imported.page}` : imported.page,
        // Long scripts stay on their lines (the default would fold them at 80 columns).
        exercises: stringify(imported.exercises, { lineWidth: 0 }),
      });
      json(res, 201, {
        ...saved,
        report: imported.report.map((r) => ({
          file: r.file,
          ...(r.line === undefined ? {} : { line: r.line }),
          message: r.message,
        })),
      });
    },
  };
}

/** The scenario of the request: a zip (`application/zip`) or `{ folder?, files }` (JSON). */
async function readSource(req: IncomingMessage, query: URLSearchParams): Promise<KillercodaSource> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const tooLarge = (err: unknown) => {
    if (err instanceof ApiError && err.status === 413)
      throw new ApiError(
        413,
        'payload_too_large',
        `The upload is over ${IMPORT_BODY_MAX / 1024 / 1024} MB, the limit of a scenario.`,
      );
    throw err;
  };
  if (type === 'application/zip' || type === 'application/x-zip-compressed') {
    const name = query.get('name') ?? 'scenario.zip';
    if (!ZIP_NAME.test(name)) throw badRequest('The name must be a file name, e.g. nginx.zip.', 'name');
    const body = await readBody(req, IMPORT_BODY_MAX, IMPORT_DRAIN).catch(tooLarge);
    return { zip: new Uint8Array(body.buffer, body.byteOffset, body.byteLength), name };
  }
  if (type === 'application/json') {
    const { folder, files } = await readJson(req, IMPORT_BODY_MAX, IMPORT_DRAIN).catch(tooLarge);
    if (folder !== undefined && typeof folder !== 'string')
      throw badRequest('The folder must be the scenario folder\'s name, e.g. "nginx".', 'folder');
    if (
      typeof files !== 'object' ||
      files === null ||
      Array.isArray(files) ||
      !Object.values(files).every((text) => typeof text === 'string')
    )
      throw badRequest(
        'The files must be an object from each path in the scenario folder to its text, e.g. { "index.json": "{…}" }.',
        'files',
      );
    return { files: files as Record<string, string>, ...(folder ? { folder } : {}) };
  }
  throw new ApiError(
    415,
    'unsupported_media_type',
    'Send the scenario as a zip (Content-Type: application/zip) or as JSON { "folder"?, "files" }.',
  );
}
