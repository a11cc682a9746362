import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import path from 'node:path';
import type { Plugin, ProxyOptions } from 'vite';
import type { ApiErrorBody } from '../../../engine/src/contract.ts';

// What `astro dev` adds for lesson authors (`npm run lessons -- dev`): the API and the terminal
// WebSockets of a Dockyard server (`npm start`) through Vite's proxy, and new lessons rendered
// without a restart.

/** Where the dev server sends `/api`: `DOCKYARD_API_URL`, else the Dockyard server on `PORT` (8080). */
export function devApiTarget(env: NodeJS.ProcessEnv = process.env): string {
  return (env.DOCKYARD_API_URL ?? `http://localhost:${env.PORT ?? 8080}`).replace(/\/+$/, '');
}

/** The API's error body when no Dockyard server answers: the page says it like any API error. */
export function noServerBody(target: string): ApiErrorBody {
  return {
    error: {
      code: 'unavailable',
      message: `No Dockyard server answers at ${target}: run npm start in another terminal for the terminal and the checks.`,
    },
  };
}

/**
 * Vite's `server.proxy` for `/api`, WebSockets included. The Host header is passed on as the
 * browser sent it, so the server's same-origin checks (terminals, instructor changes) see the
 * page's own origin.
 */
export function devApiProxy(target = devApiTarget()): Record<string, ProxyOptions> {
  return {
    '/api': {
      target,
      ws: true,
      configure(proxy) {
        proxy.on('error', (_error, _req, res) => {
          const response = res as ServerResponse | Socket;
          if (!('writeHead' in response)) {
            response.destroy();
            return;
          }
          if (response.headersSent) {
            response.end();
            return;
          }
          response
            .writeHead(503, { 'content-type': 'application/json' })
            .end(JSON.stringify(noServerBody(target)));
        });
      },
    },
  };
}

/**
 * Astro's dev server keeps the first `astro:content-module-imports` (the map from an MDX entry to
 * its render import) it loaded, so a lesson folder added while it runs has a page that fails to
 * render ("Unexpected error while rendering") until a restart. When the content layer rewrites
 * that map, this drops the stale module in every environment and reloads the browser.
 */
export function contentModulesReload(): Plugin {
  return {
    name: 'dockyard-content-modules-reload',
    apply: 'serve',
    configureServer(server) {
      const file = path.join(server.config.root, '.astro', 'content-modules.mjs');
      const reload = (changed: string) => {
        if (path.resolve(changed) !== file) return;
        for (const environment of Object.values(server.environments)) {
          for (const module of environment.moduleGraph.getModulesByFile(file) ?? [])
            environment.moduleGraph.invalidateModule(module);
        }
        server.ws.send({ type: 'full-reload', path: '*' });
      };
      server.watcher.on('add', reload);
      server.watcher.on('change', reload);
    },
  };
}
