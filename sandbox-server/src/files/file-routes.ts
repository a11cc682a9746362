import type { IncomingMessage } from 'node:http';
import type { ExecResult } from '../../../engine/src/sandbox.ts';
import { ApiError, badRequest } from '../http/api-error.ts';
import { SEGMENT, bearerToken, json, readJson, type Route } from '../http/http-routing.ts';
import { logger, logReference } from '../logger.ts';
import type { SessionManager } from '../sessions/session-manager.ts';
import { LEARNER_HOME, MAX_FILE_BYTES, learnerPath } from './file-paths.ts';
import {
  EXIT,
  MAX_ENTRIES,
  MTIME,
  READ_CHUNK_BYTES,
  TEMP_FILE,
  WRITE_CHUNK_BYTES,
  appendTempScript,
  listScript,
  readScript,
  removeTempScript,
  startTempScript,
  writeScript,
} from './file-scripts.ts';

/** One entry of a folder, as `GET …/files` lists it. */
export interface FileEntry {
  name: string;
  type: 'file' | 'dir' | 'symlink' | 'other';
  size: number;
}

const TYPES: Record<string, FileEntry['type']> = { f: 'file', d: 'dir', l: 'symlink' };

/** A JSON body may escape content (`\u0001` is six bytes for one), so it may be larger than the file. */
const MAX_BODY_BYTES = 8 * MAX_FILE_BYTES;
const EXEC_TIMEOUT_MS = 15_000;

export const BINARY_REASON = 'This file is binary: open it in the terminal.';
const tooLarge = () =>
  new ApiError(
    413,
    'file_too_large',
    `The editor saves files of at most 1 MiB (${MAX_FILE_BYTES} bytes): write larger ones in the terminal.`,
  );
const conflict = (code: string, message: string) => new ApiError(409, code, message);

/**
 * The learner's files, for the site's editor: `GET /api/sessions/{id}/files?path=`,
 * `GET …/files/content?path=` and `PUT …/files/content`, with the session token. Everything runs
 * in the machine as the learner, under their home (docs/api.md).
 */
/** Where a file call acts: the session, and which of its machines. */
interface At {
  id: string;
  machine: string;
}

export function fileRoutes(sessions: SessionManager, options: { home?: string } = {}): Route[] {
  const home = options.home ?? LEARNER_HOME;

  /** Runs a script as the learner, once the machine is ready. */
  const run = async ({ id, machine }: At, script: string): Promise<ExecResult> => {
    await sessions.requireReady(id);
    return sessions.sandbox(id, machine).exec(script, { user: 'learner', timeoutMs: EXEC_TIMEOUT_MS });
  };

  /** The session and the machine a call names (`?machine=node2`; node1 when it names none). */
  const target = (req: IncomingMessage, id: string): At => ({
    id,
    machine: sessions.requireMachine(
      id,
      new URL(req.url ?? '/', 'http://dockyard').searchParams.get('machine'),
    ),
  });

  /** A script's non-zero exit as the learner's sentence (an exit we do not know is logged). */
  const failure = (id: string, path: string, result: ExecResult): ApiError => {
    switch (result.exitCode) {
      case EXIT.outsideHome:
        return badRequest(
          `${path} leads outside your home folder (${home}), through a symlink: the editor opens files under it.`,
          'path',
        );
      case EXIT.unresolvable:
        return badRequest(`${path} cannot be resolved (a symlink loop?).`, 'path');
      case EXIT.notFound:
        return new ApiError(404, 'file_not_found', `There is no ${path} in your machine.`);
      case EXIT.notADirectory:
        return badRequest(`${path} is not a folder.`, 'path');
      case EXIT.notAFile:
        return badRequest(`${path} is not a file the editor can open (a folder or a device?).`, 'path');
      case EXIT.permissionDenied:
        return new ApiError(
          400,
          'permission_denied',
          `You may not do that to ${path} as the learner user: use sudo in the terminal.`,
        );
      case EXIT.noParent:
        return new ApiError(
          404,
          'file_not_found',
          `The folder of ${path} does not exist: make it in the terminal (mkdir -p) first.`,
        );
      case EXIT.deleted:
        return conflict(
          'file_deleted',
          `${path} was deleted in the terminal since you opened it: save again to create it.`,
        );
      case EXIT.changed:
        return conflict(
          'file_changed',
          `${path} was changed in the terminal since you opened it: reload it, or save again to keep your version.`,
        );
      default:
        logger.error(
          { sessionId: id, exitCode: result.exitCode, stderr: result.stderr.slice(0, 500) },
          'a file command failed in the machine',
        );
        return new ApiError(
          500,
          'file_command_failed',
          `Your machine could not do that with ${path} ${logReference(id)}.`,
        );
    }
  };

  const pathParam = (req: IncomingMessage, fallback?: string) => {
    const value = new URL(req.url ?? '/', 'http://dockyard').searchParams.get('path') ?? fallback;
    if (value === undefined) throw badRequest('The query needs "path": a file in your home folder.', 'path');
    return learnerPath(value, home);
  };

  return [
    {
      method: 'GET',
      pattern: new RegExp(`^/api/sessions/${SEGMENT}/files$`),
      handler: async (req, res, [id]) => {
        sessions.authorize(id!, bearerToken(req));
        const path = pathParam(req, home);
        const result = await run(target(req, id!), listScript(path, home));
        if (result.exitCode !== 0) throw failure(id!, path, result);
        const entries = parseEntries(result.stdout);
        json(res, 200, {
          path,
          entries: entries.slice(0, MAX_ENTRIES),
          ...(entries.length > MAX_ENTRIES ? { truncated: true } : {}),
        });
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/api/sessions/${SEGMENT}/files/content$`),
      handler: async (req, res, [id]) => {
        sessions.authorize(id!, bearerToken(req));
        const path = pathParam(req);
        json(res, 200, { path, ...(await readFile(target(req, id!), path)) });
      },
    },
    {
      method: 'PUT',
      pattern: new RegExp(`^/api/sessions/${SEGMENT}/files/content$`),
      handler: async (req, res, [id]) => {
        sessions.authorize(id!, bearerToken(req));
        const body = await readJson(req, MAX_BODY_BYTES).catch((err: unknown) => {
          throw err instanceof ApiError && err.status === 413 ? tooLarge() : err;
        });
        const path = learnerPath(body.path, home);
        const { content, expectedMtime } = body;
        if (typeof content !== 'string') throw badRequest('"content" must be the file\'s text.', 'content');
        if (content.includes('\0'))
          throw badRequest('The content has NUL bytes: the editor saves text files only.', 'content');
        if (expectedMtime !== undefined && (typeof expectedMtime !== 'string' || !MTIME.test(expectedMtime)))
          throw badRequest('"expectedMtime" must be the mtime the file was opened with.', 'expectedMtime');
        const bytes = Buffer.from(content, 'utf8');
        if (bytes.length > MAX_FILE_BYTES) throw tooLarge();
        const result = await writeFile(target(req, id!), path, bytes, expectedMtime);
        if (result.exitCode !== 0) throw failure(id!, path, result);
        const [size, mtime] = result.stdout.trim().split(' ');
        json(res, 200, { path, size: Number(size), mtime });
      },
    },
  ];

  async function readFile(at: At, path: string) {
    // A file that changes between two pieces is read again from the start (a few times).
    for (let attempt = 0; attempt < 3; attempt++) {
      const first = await run(at, readScript(path, home, 0, READ_CHUNK_BYTES));
      if (first.exitCode !== 0) throw failure(at.id, path, first);
      const head = parseRead(first.stdout);
      const pieces = [head.bytes];
      let whole = true;
      const want = Math.min(head.size, MAX_FILE_BYTES);
      for (let offset = head.bytes.length; offset < want && whole;) {
        const next = await run(at, readScript(path, home, offset, Math.min(READ_CHUNK_BYTES, want - offset)));
        if (next.exitCode !== 0) throw failure(at.id, path, next);
        const piece = parseRead(next.stdout);
        whole = piece.mtime === head.mtime && piece.size === head.size && piece.bytes.length > 0;
        pieces.push(piece.bytes);
        offset += piece.bytes.length;
      }
      if (!whole) continue;
      return fileView(Buffer.concat(pieces), head);
    }
    throw conflict('file_busy', `${path} kept changing while it was read: try again in a moment.`);
  }

  async function writeFile(at: At, path: string, bytes: Buffer, expectedMtime: string | undefined) {
    if (bytes.length <= WRITE_CHUNK_BYTES)
      return run(at, writeScript(path, home, { content: bytes }, expectedMtime));
    const started = await run(at, startTempScript(bytes.subarray(0, WRITE_CHUNK_BYTES)));
    const temp = started.stdout.trim();
    if (started.exitCode !== 0 || !TEMP_FILE.test(temp)) return { ...started, exitCode: EXIT.writeFailed };
    try {
      for (let from = WRITE_CHUNK_BYTES; from < bytes.length; from += WRITE_CHUNK_BYTES) {
        const appended = await run(
          at,
          appendTempScript(temp, bytes.subarray(from, from + WRITE_CHUNK_BYTES)),
        );
        if (appended.exitCode !== 0) throw failure(at.id, path, { ...appended, exitCode: EXIT.writeFailed });
      }
      // The write script removes the temporary file itself, whatever its end.
      return await run(at, writeScript(path, home, { temp }, expectedMtime));
    } catch (err) {
      await run(at, removeTempScript(temp)).catch(() => undefined);
      throw err;
    }
  }
}

/** A folder's listing (find's `%y\t%s\t%f\0` records): folders first, then by name. */
export function parseEntries(stdout: string): FileEntry[] {
  const entries: FileEntry[] = [];
  for (const record of stdout.split('\0')) {
    const match = /^(\w)\t(\d+)\t([\s\S]+)$/.exec(record);
    if (!match) continue;
    entries.push({ name: match[3]!, type: TYPES[match[1]!] ?? 'other', size: Number(match[2]) });
  }
  const rank = (e: FileEntry) => (e.type === 'dir' ? 0 : 1);
  return entries.sort((a, b) => rank(a) - rank(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function parseRead(stdout: string): { writable: boolean; size: number; mtime: string; bytes: Buffer } {
  const newline = stdout.indexOf('\n');
  if (newline < 0) throw new Error(`A file read printed no header: ${stdout.slice(0, 200)}`);
  const [writable, size, mtime] = stdout.slice(0, newline).trim().split(' ');
  return {
    writable: writable === '1',
    size: Number(size),
    mtime: mtime ?? '',
    bytes: Buffer.from(stdout.slice(newline + 1).trim(), 'base64'),
  };
}

/**
 * What the editor shows of a file's bytes: its text, or nothing and a reason when it is binary
 * (NUL bytes, or not UTF-8); read-only too when it is over 1 MiB (the first piece is shown) or the
 * learner may not write it.
 */
export function fileView(
  bytes: Buffer,
  head: { size: number; mtime: string; writable: boolean },
): { content: string; size: number; mtime: string; readOnly?: true; reason?: string } {
  const base = { size: head.size, mtime: head.mtime };
  const partial = head.size > bytes.length;
  let content: string;
  try {
    if (bytes.includes(0)) throw new Error('NUL');
    // A piece may end inside a character: `stream` keeps that tail instead of refusing it.
    content = new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: partial });
  } catch {
    return { ...base, content: '', readOnly: true, reason: BINARY_REASON };
  }
  if (head.size > MAX_FILE_BYTES)
    return {
      ...base,
      content,
      readOnly: true,
      reason: `This file is over 1 MiB: its first ${Math.round(bytes.length / 1024)} KiB are shown, read-only; edit it in the terminal.`,
    };
  if (!head.writable)
    return {
      ...base,
      content,
      readOnly: true,
      reason: 'You may not write this file as the learner user: edit it in the terminal with sudo.',
    };
  return { ...base, content };
}
