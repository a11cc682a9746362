import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from '../http/api-error.ts';
import { SEGMENT, bearerToken, json, readJson, type Route } from '../http/http-routing.ts';
import { logger } from '../logger.ts';
import type { SessionManager } from '../sessions/session-manager.ts';
import { forward, sendError } from './preview-forwarding.ts';
import { PREVIEW_PATH, parsePort, previewPrefix, type PreviewTarget } from './preview-target.ts';
import { previewCookie, previewDomain, previewOriginUrl, type PreviewAccess } from './preview-tickets.ts';
import type { SandboxAddresses } from './sandbox-addresses.ts';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * The preview's HTTP entry points: `POST …/preview-ticket`, the same-origin path
 * `/api/sessions/{id}/preview/{port}/…` in every method, and `handleRequest`, which takes every
 * request whose Host is a preview origin.
 */
export function previewRoutes(ctx: {
  sessions: SessionManager;
  access: PreviewAccess;
  addresses: SandboxAddresses;
  /** DOCKYARD_PREVIEW_DOMAIN: `auto`, `off`, or the domain whose subdomains reach this server. */
  domain: string;
}): {
  routes: Route[];
  handleRequest: (req: IncomingMessage, res: ServerResponse) => boolean;
} {
  const { sessions, access, addresses } = ctx;

  const proxy = async (req: IncomingMessage, res: ServerResponse, params: string[]): Promise<void> => {
    const [id, rawPort, rest] = params as [string, string, string | undefined];
    try {
      const port = parsePort(rawPort);
      access.authorize(req, id);
      const prefix = `${previewPrefix(id)}${port}`;
      const search = new URL(req.url ?? '/', 'http://x').search;
      if (rest === undefined) {
        // Relative links of the app resolve against the folder: always serve it with a trailing slash.
        res.writeHead(308, { location: `${prefix}/${search}` }).end();
        return;
      }
      await forward(addresses, req, res, { id, port, path: rest + search, prefix });
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      sendError(req, res, err);
    }
  };

  /** Every request on a preview origin goes to its app, whatever the path. */
  const handleRequest = (req: IncomingMessage, res: ServerResponse): boolean => {
    let target: Omit<PreviewTarget, 'path' | 'prefix'> | undefined;
    try {
      target = access.originTarget(req);
      if (!target) return false;
    } catch (err) {
      sendError(
        req,
        res,
        err instanceof ApiError ? err : new ApiError(500, 'internal', 'The preview failed.'),
      );
      return true;
    }
    forward(addresses, req, res, { ...target, path: req.url ?? '/', prefix: '' }).catch((err: unknown) => {
      if (!(err instanceof ApiError)) logger.error({ err }, 'preview failed');
      sendError(
        req,
        res,
        err instanceof ApiError ? err : new ApiError(502, 'bad_gateway', 'The preview failed.'),
      );
    });
    return true;
  };

  const routes: Route[] = [
    {
      method: 'POST',
      pattern: new RegExp(`^/api/sessions/${SEGMENT}/preview-ticket$`),
      handler: async (req, res, [id]) => {
        const record = sessions.authorize(id!, bearerToken(req));
        const body = await readJson(req);
        const port = body.port === undefined ? undefined : parsePort(String(body.port));
        const domain = previewDomain(ctx.domain, req.headers.host);
        if (port !== undefined && domain) {
          json(res, 200, { url: previewOriginUrl(req, record, port, domain), isolated: true });
          return;
        }
        res.setHeader('set-cookie', previewCookie(req, record));
        const prefix = previewPrefix(record.id);
        json(res, 200, { url: port === undefined ? prefix : `${prefix}${port}/`, isolated: false });
      },
    },
    ...METHODS.map((method) => ({ method, pattern: PREVIEW_PATH, handler: proxy })),
  ];

  return { routes, handleRequest };
}
