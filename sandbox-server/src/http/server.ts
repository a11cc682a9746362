import crypto from 'node:crypto';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { ApiError, forbidden, notFound, refuseUpgrade, unavailable } from './api-error.ts';
import { coreRoutes, type ApiContext } from './core-routes.ts';
import { createRouter, type Route } from './http-routing.ts';
import { logger, logReference } from '../logger.ts';
import { createStaticFiles } from './static-files.ts';
import { MachineError } from '../sessions/session-manager.ts';
import type { SessionRecord } from '../sessions/session-store.ts';
import { terminalRoutes } from '../terminal/terminal-routes.ts';
import { HelperPresence } from '../terminal/helper-presence.ts';
import { helperNotice } from '../terminal/terminal-protocol.ts';
import { bridgeTerminal } from '../terminal/terminal-session.ts';
import { TerminalTickets } from '../terminal/terminal-tickets.ts';
import { DEFAULT_TERMINAL_TABS, parseTab } from '../terminal/terminal-tabs.ts';
import { detachClientScript, FIRST_MACHINE } from '../runtime/sandbox-runtime.ts';

export interface ServerOptions extends ApiContext {
  siteDir: string;
  allowedOrigins: string[];
  /** How often the terminal WebSocket pings its client; one that misses a beat is dropped. */
  terminalPingMs?: number;
  /** Endpoints of other features (hub, course progress, preview), added to the core ones. */
  extraRoutes?: Route[];
  /** Requests other features serve by their Host (preview origins); each answers true when it took one. */
  hostHandlers?: ((req: http.IncomingMessage, res: http.ServerResponse) => boolean)[];
  /** WebSocket upgrades of other features (the port preview); each answers true when it took the request. */
  upgradeHandlers?: ((req: http.IncomingMessage, socket: Duplex, head: Buffer) => boolean)[];
  /** Instructors typing in learners' terminals: each learner's socket is told (`helper` messages). */
  helpers?: HelperPresence;
  /** Terminal tabs a session may have open at once (DOCKYARD_TERMINAL_TABS). */
  terminalTabs?: number;
}

/** Frames over 1 MiB close a terminal socket (1009): the page sends a large paste in 64 KiB frames. */
export const TERMINAL_MAX_PAYLOAD = 1024 * 1024;

const TERMINAL_PATH = /^\/api\/sessions\/([A-Za-z0-9_-]{1,64})\/terminal$/;

/** The browser's Origin must be this server (or a configured one); non-browser clients send none. */
export function originAllowed(
  origin: string | undefined,
  host: string | undefined,
  allowed: string[],
): boolean {
  if (!origin) return true;
  if (allowed.includes(origin)) return true;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

/** One HTTP server: the site, the JSON API and the terminal WebSockets on one port. */
export function createServer(options: ServerOptions): http.Server {
  const tickets = new TerminalTickets();
  const helpers = options.helpers ?? new HelperPresence();
  const maxTabs = options.terminalTabs ?? DEFAULT_TERMINAL_TABS;
  const api = createRouter([
    ...coreRoutes(options),
    ...terminalRoutes({ sessions: options.sessions, tickets, maxTabs }),
    ...(options.extraRoutes ?? []),
  ]);
  const serveStatic = createStaticFiles(options.siteDir);
  const wss = new WebSocketServer({ noServer: true, maxPayload: TERMINAL_MAX_PAYLOAD });

  const server = http.createServer((req, res) => {
    if (options.hostHandlers?.some((handle) => handle(req, res))) return;
    api(req, res)
      .then((handled) => {
        if (handled) return;
        if (req.method !== 'GET' && req.method !== 'HEAD') {
          res.writeHead(405, { allow: 'GET, HEAD' }).end();
          return;
        }
        return serveStatic(req, res);
      })
      .catch((err: unknown) => {
        logger.error({ err }, 'request failed');
        if (!res.headersSent) res.writeHead(500).end();
      });
  });

  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => undefined);
    if (options.upgradeHandlers?.some((handle) => handle(req, socket, head))) return;
    const url = new URL(req.url ?? '/', 'http://x');
    const match = TERMINAL_PATH.exec(url.pathname);
    try {
      if (!match) throw notFound(`There is no WebSocket endpoint ${url.pathname}.`);
      if (!originAllowed(req.headers.origin, req.headers.host, options.allowedOrigins)) {
        throw forbidden(`Origin ${req.headers.origin} may not open terminals here.`);
      }
      const sessionId = match[1]!;
      // Checked before the ticket is spent: a bad tab costs the page no ticket.
      const tab = parseTab(url.searchParams.get('tab'), maxTabs);
      // node1 unless the page names another machine of the session (a lesson with several).
      const machine = options.sessions.requireMachine(sessionId, url.searchParams.get('machine'));
      // The page sends a one-use ticket (POST …/terminal-ticket); API clients may send the token.
      const ticket = url.searchParams.get('ticket');
      let record: SessionRecord;
      if (ticket === null) {
        // `authorize` counts the upgrade as activity itself.
        record = options.sessions.authorize(sessionId, url.searchParams.get('token') ?? undefined);
      } else {
        record = options.sessions.requireLive(sessionId);
        if (!tickets.redeem(ticket, sessionId))
          throw forbidden(
            'This terminal ticket is spent, expired or for another session: ask for a new one.',
          );
        options.sessions.touch(record);
      }
      options.sessions
        .ensureRunning(sessionId)
        .then(() => {
          wss.handleUpgrade(req, socket, head, (ws) => {
            const client = crypto.randomBytes(12).toString('hex');
            bridgeTerminal(ws, options.runtime.attachCommand(sessionId, { tab, client, machine }), {
              sessionId,
              onActivity: () => options.sessions.touch(record),
              pingIntervalMs: options.terminalPingMs,
              // The tmux client may outlive the attach command (`docker exec`): end it, or it
              // would stay attached, a process of the learner's, until the machine goes.
              onClose: () => {
                options.runtime
                  .exec(sessionId, detachClientScript(client), {
                    user: 'learner',
                    timeoutMs: 10_000,
                    machine,
                  })
                  .catch(() => undefined);
              },
            });
            // Instructors help in tab 1 (the tmux session `main`): only its sockets hear of them.
            if (tab !== 1 || machine !== FIRST_MACHINE) return;
            const stopListening = helpers.listen(sessionId, (typing) => {
              if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(helperNotice(typing)));
            });
            ws.on('close', stopListening);
          });
        })
        .catch((err: unknown) => {
          // ensureRunning rejects with a sentence for the learner; anything else is only logged.
          if (!(err instanceof MachineError)) logger.error({ sessionId, err }, 'terminal upgrade failed');
          const message =
            err instanceof MachineError
              ? err.message
              : `The terminal could not be opened ${logReference(sessionId)}.`;
          refuseUpgrade(socket, unavailable(message));
        });
    } catch (err) {
      refuseUpgrade(socket, err instanceof ApiError ? err : new ApiError(500, 'internal', 'Upgrade failed.'));
    }
  });

  return server;
}
