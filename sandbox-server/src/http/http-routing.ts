import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiErrorBody } from '../../../engine/src/contract.ts';
import { ApiError, TooManyRequests, badRequest, notFound } from './api-error.ts';
import { logger } from '../logger.ts';

/** One API endpoint: a method, a path pattern whose groups become `params`, and a handler. */
export interface Route {
  method: string;
  pattern: RegExp;
  handler: (req: IncomingMessage, res: ServerResponse, params: string[]) => Promise<void>;
}

/** A path segment the API accepts as an id or slug. */
export const SEGMENT = '([A-Za-z0-9_-]{1,64})';
const MAX_BODY = 16 * 1024;
/** A body past this is not even read to its end: the connection is closed. */
const DRAIN_LIMIT = 1024 * 1024;

/** Answers with a JSON body (or none, for 204). */
export function json(res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/**
 * Reads a small JSON object body; an empty body is `{}`. A body over `maxBytes` is a 413; up to
 * `drainBytes` (at least 1 MiB) of it is read and dropped first, so the client sees the answer.
 */
export async function readJson(
  req: IncomingMessage,
  maxBytes = MAX_BODY,
  drainBytes = DRAIN_LIMIT,
): Promise<Record<string, unknown>> {
  const text = (await readBody(req, maxBytes, drainBytes)).toString('utf8').trim();
  if (!text) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badRequest('The body is not valid JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badRequest('The body must be a JSON object.');
  }
  return value as Record<string, unknown>;
}

/**
 * Reads a body of at most `maxBytes`; past it, a 413. Bytes past `maxBytes` are never kept: up to
 * `drainBytes` (at least 1 MiB) are read and dropped, so the client sees the answer, and past that
 * (or when `Content-Length` already says so) the 413 goes out at once and the connection is closed.
 */
export async function readBody(
  req: IncomingMessage,
  maxBytes = MAX_BODY,
  drainBytes = DRAIN_LIMIT,
): Promise<Buffer> {
  const drainLimit = Math.max(drainBytes, maxBytes, DRAIN_LIMIT);
  const tooLarge = () => new ApiError(413, 'payload_too_large', `The body is over ${maxBytes} bytes.`);
  const declared = Number(req.headers['content-length']);
  if (declared > drainLimit) {
    // Not worth reading: the answer closes the connection, and what the client still sends is dropped.
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  // An oversized body is read to its end (up to a bound) and dropped, then refused: answering
  // while the client still sends, and closing the socket, shows the client a reset, not the 413.
  await new Promise<void>((resolve, reject) => {
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
      else if (size > drainLimit) req.destroy();
    });
    req.on('end', resolve);
    req.on('error', reject);
    req.on('close', () =>
      req.complete || size > maxBytes ? resolve() : reject(new Error('The request was cut off.')),
    );
  });
  if (size > maxBytes) throw tooLarge();
  return Buffer.concat(chunks);
}

/** The token of `Authorization: Bearer <token>`, if any. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1];
}

/**
 * Dispatches `/api/*` requests to routes; answers errors as JSON (ApiError in words, anything else
 * as a logged 500 without details). Resolves false for paths outside `/api/`.
 */
export function createRouter(
  routes: Route[],
): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  return async (req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    if (!pathname.startsWith('/api/')) return false;
    try {
      const matching = routes.filter((r) => r.pattern.test(pathname));
      if (matching.length === 0) throw notFound(`There is no API endpoint ${pathname}.`);
      const route = matching.find((r) => r.method === req.method);
      if (!route) {
        res.setHeader('allow', matching.map((r) => r.method).join(', '));
        throw new ApiError(405, 'method_not_allowed', `${req.method} is not allowed on ${pathname}.`);
      }
      const params = route.pattern.exec(pathname)!.slice(1);
      await route.handler(req, res, params);
    } catch (err) {
      if (res.headersSent) {
        res.destroy();
      } else if (err instanceof ApiError) {
        if (err instanceof TooManyRequests) res.setHeader('retry-after', String(err.retryAfterSeconds));
        // A body too large may be unread still: the connection closes after the answer, dropping it.
        if (err.status === 413) res.setHeader('connection', 'close');
        json(res, err.status, err.toJSON());
      } else {
        logger.error({ err, path: pathname }, 'unexpected API error');
        json(res, 500, {
          error: { code: 'internal', message: 'Something went wrong on the server; it is logged.' },
        } satisfies ApiErrorBody);
      }
    }
    return true;
  };
}
