import type { IncomingMessage } from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { ApiError, forbidden, notFound, refuseUpgrade } from '../http/api-error.ts';
import { originAllowed } from '../http/server.ts';
import { logger } from '../logger.ts';
import { upstreamHeaders } from './preview-forwarding.ts';
import type { PreviewAccess } from './preview-tickets.ts';
import { ORIGIN_HOST, PREVIEW_PATH, parsePort, previewPrefix, type PreviewTarget } from './preview-target.ts';
import type { SandboxAddresses } from './sandbox-addresses.ts';

/**
 * WebSocket upgrades through the preview (an app's live reload, its own sockets): the handshake is
 * written on to the sandbox as it came, without Dockyard's credentials, and the two sockets are
 * joined. Answers true when the upgrade was for a preview.
 */
export function previewUpgrades(ctx: {
  access: PreviewAccess;
  addresses: SandboxAddresses;
  allowedOrigins: string[];
}): (req: IncomingMessage, socket: Duplex, head: Buffer) => boolean {
  const { access, addresses } = ctx;

  /** The preview a WebSocket upgrade is for (authorized), or undefined when it is not for one. */
  const upgradeTarget = (req: IncomingMessage): (() => PreviewTarget) | undefined => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (ORIGIN_HOST.test((req.headers.host ?? '').toLowerCase())) {
      return () => {
        // Only the preview origin's own pages may open its sockets.
        if (!originAllowed(req.headers.origin, req.headers.host, []))
          throw forbidden(`Origin ${req.headers.origin} may not open this preview's sockets.`);
        const target = access.originTarget(req);
        if (!target) throw notFound('There is no such preview.');
        return { ...target, path: req.url ?? '/', prefix: '' };
      };
    }
    const match = PREVIEW_PATH.exec(url.pathname);
    if (!match) return undefined;
    const [, id, rawPort, rest] = match as unknown as [string, string, string, string | undefined];
    return () => {
      if (!originAllowed(req.headers.origin, req.headers.host, ctx.allowedOrigins))
        throw forbidden(`Origin ${req.headers.origin} may not open previews here.`);
      const port = parsePort(rawPort);
      access.authorize(req, id);
      return { id, port, path: `${rest ?? '/'}${url.search}`, prefix: `${previewPrefix(id)}${port}` };
    };
  };

  return (req, socket, head) => {
    const resolveTarget = upgradeTarget(req);
    if (!resolveTarget) return false;
    (async () => {
      const target = resolveTarget();
      const { id, port } = target;
      const address = await addresses.of(id);
      const upstream = net.connect(port, address);
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
      upstream.on('connect', () => {
        const headers = upstreamHeaders(req, address, target);
        headers.connection = 'Upgrade';
        headers.upgrade = req.headers.upgrade;
        const lines = [`${req.method} ${target.path} HTTP/1.1`];
        for (const [name, value] of Object.entries(headers)) {
          for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value])
            lines.push(`${name}: ${v.replace(/[\r\n]/g, '')}`);
        }
        upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
        if (head.length) upstream.write(head);
        upstream.pipe(socket);
        socket.pipe(upstream);
      });
    })().catch((err: unknown) => {
      const apiError =
        err instanceof ApiError ? err : new ApiError(502, 'bad_gateway', 'The preview failed.');
      if (!(err instanceof ApiError)) logger.error({ err }, 'preview upgrade failed');
      refuseUpgrade(socket, apiError);
    });
    return true;
  };
}
