import { badRequest } from '../http/api-error.ts';

/** `/api/sessions/{id}/preview/{port}{/rest}`: the rest (with its query) goes to the sandbox unchanged. */
export const PREVIEW_PATH = /^\/api\/sessions\/([A-Za-z0-9_-]{1,64})\/preview\/(\d{1,5})(\/.*)?$/;
/** A preview origin's host: `<session>-<port>-<ticket>.<preview domain>`, one origin per session and port. */
export const ORIGIN_HOST = /^([0-9a-f]{16})-(\d{1,5})-([0-9a-f]{32})\.([a-z0-9.-]+?)(?::\d+)?$/;

/** The path under which a session's same-origin previews live. */
export const previewPrefix = (sessionId: string) => `/api/sessions/${sessionId}/preview/`;

/** Where a preview request goes: a session's sandbox port, a path there, and the preview's prefix. */
export interface PreviewTarget {
  id: string;
  port: number;
  /** Path and query for the app. */
  path: string;
  /** What the app's own absolute paths get in front of them: '' on a preview origin of its own. */
  prefix: string;
}

/** The port a URL or a ticket request names; a 400 when it is not one. */
export function parsePort(raw: string): number {
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw badRequest(`Port ${raw} is not a port: use 1 to 65535.`, 'port');
  return port;
}
