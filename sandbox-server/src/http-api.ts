import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Course } from '../../engine/src/index.ts';
import { runExercise } from '../../engine/src/index.ts';
import { ApiError, badRequest, notFound } from './api-error.ts';
import { logger } from './logger.ts';
import type { SandboxRuntime } from './sandbox-runtime.ts';
import type { SessionManager } from './session-manager.ts';

const MAX_BODY = 16 * 1024;

export interface ApiContext {
  sessions: SessionManager;
  runtime: SandboxRuntime;
  course: Course;
  health: () => Promise<{ ok: boolean; [key: string]: unknown }>;
}

function json(res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/** Reads a small JSON object body; an empty body is `{}`. */
async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new ApiError(413, 'payload_too_large', `The body is over ${MAX_BODY} bytes.`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
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

export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1];
}

type Handler = (req: IncomingMessage, res: ServerResponse, params: string[]) => Promise<void>;
interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

const SEGMENT = '([A-Za-z0-9_-]{1,64})';

/** The JSON API of docs/api.md. Returns false when the path is not an API path. */
export function createApi(ctx: ApiContext): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const { sessions, course } = ctx;
  const lessonsBySlug = new Map(course.lessons.map((l) => [l.slug, l]));

  const sessionView = (id: string) => {
    const record = sessions.record(id)!;
    return {
      id,
      lesson: record.lesson,
      state: sessions.state(id),
      ...(sessions.failure(id) ? { failure: sessions.failure(id) } : {}),
      expiresAt: new Date(record.expiresAt).toISOString(),
      idleExpiresAt: new Date(sessions.idleExpiresAt(record)).toISOString(),
    };
  };

  const routes: Route[] = [
    {
      method: 'GET',
      pattern: /^\/api\/health$/,
      handler: async (_req, res) => {
        const health = await ctx.health();
        json(res, health.ok ? 200 : 503, health);
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/lessons$/,
      handler: async (_req, res) => {
        json(
          res,
          200,
          course.lessons.map((l) => ({
            slug: l.slug,
            title: l.title,
            exercises: l.exercises.map((e) => ({ id: e.id, title: e.title })),
          })),
        );
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/sessions$/,
      handler: async (req, res) => {
        const body = await readJson(req);
        const lesson = body.lesson;
        if (lesson !== undefined && lesson !== null) {
          if (typeof lesson !== 'string')
            throw badRequest('Field "lesson" must be a lesson slug (a string).', 'lesson');
          if (!lessonsBySlug.has(lesson)) throw badRequest(`There is no lesson "${lesson}".`, 'lesson');
        }
        const { record, token } = await sessions.create((lesson as string | undefined) ?? null);
        json(res, 201, { id: record.id, token, expiresAt: new Date(record.expiresAt).toISOString() });
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/api/sessions/${SEGMENT}$`),
      handler: async (req, res, [id]) => {
        sessions.authorize(id!, bearerToken(req));
        json(res, 200, sessionView(id!));
      },
    },
    {
      method: 'DELETE',
      pattern: new RegExp(`^/api/sessions/${SEGMENT}$`),
      handler: async (req, res, [id]) => {
        sessions.authorize(id!, bearerToken(req));
        await sessions.destroy(id!);
        json(res, 204);
      },
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/api/sessions/${SEGMENT}/exercises/${SEGMENT}/${SEGMENT}/check$`),
      handler: async (req, res, [id, lessonSlug, exerciseId]) => {
        sessions.authorize(id!, bearerToken(req));
        const lesson = lessonsBySlug.get(lessonSlug!);
        if (!lesson) throw notFound(`There is no lesson "${lessonSlug}".`);
        const exercise = lesson.exercises.find((e) => e.id === exerciseId);
        if (!exercise) throw notFound(`Lesson "${lessonSlug}" has no exercise "${exerciseId}".`);
        await sessions.whenReady(id!).catch((err: Error) => {
          throw new ApiError(503, 'unavailable', `Your machine is not running: ${err.message}`);
        });
        const report = await runExercise(exercise, {
          exec: (script, options) => ctx.runtime.exec(id!, script, options),
        });
        json(res, 200, report);
      },
    },
  ];

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
        json(res, err.status, err.toJSON());
      } else {
        logger.error({ err, path: pathname }, 'unexpected API error');
        json(res, 500, {
          error: { code: 'internal', message: 'Something went wrong on the server; it is logged.' },
        });
      }
    }
    return true;
  };
}
