import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Route } from '../http/http-routing.ts';
import type { SandboxRuntime } from '../runtime/sandbox-runtime.ts';
import type { SessionManager } from '../sessions/session-manager.ts';
import { previewRoutes } from './preview-routes.ts';
import { previewAccess } from './preview-tickets.ts';
import { previewUpgrades } from './preview-upgrades.ts';
import { SandboxAddresses } from './sandbox-addresses.ts';

export interface PreviewContext {
  sessions: SessionManager;
  runtime: SandboxRuntime;
  allowedOrigins: string[];
  /** DOCKYARD_PREVIEW_DOMAIN: `auto`, `off`, or the domain whose subdomains reach this server. */
  domain: string;
}

/**
 * The port preview: learners open what listens on a port of their sandbox through the server. Only
 * that session's sandbox address is ever dialled. Two forms:
 *
 * - a preview origin, `http://<session>-<port>-<ticket>.preview.localhost:8080/` (or under
 *   DOCKYARD_PREVIEW_DOMAIN): the app runs on an origin of its own, so its scripts cannot read the
 *   learner's Dockyard session, and its absolute paths work. The ticket in the name is the access.
 * - the same-origin path `/api/sessions/{id}/preview/{port}/…`, where no preview domain resolves
 *   (a page opened by IP address): access needs the bearer token or the preview cookie.
 *
 * Who may open a preview is in preview-tickets.ts, the proxying in preview-forwarding.ts, WebSockets
 * in preview-upgrades.ts and the endpoints in preview-routes.ts.
 */
export function previewFeature(ctx: PreviewContext): {
  routes: Route[];
  handleRequest: (req: IncomingMessage, res: ServerResponse) => boolean;
  handleUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => boolean;
} {
  const access = previewAccess(ctx.sessions, ctx.domain);
  const addresses = new SandboxAddresses(ctx.sessions, ctx.runtime);
  const { routes, handleRequest } = previewRoutes({
    sessions: ctx.sessions,
    access,
    addresses,
    domain: ctx.domain,
  });
  const handleUpgrade = previewUpgrades({ access, addresses, allowedOrigins: ctx.allowedOrigins });
  return { routes, handleRequest, handleUpgrade };
}
