import path from 'node:path';
import Docker from 'dockerode';
import { loadCourse } from '../../engine/src/index.ts';
import { loadConfig } from './config.ts';
import { BRIDGE_PREFIX, DockerRuntime } from './docker-runtime.ts';
import { readImageManifest } from './image-manifest.ts';
import { applySandboxFirewall } from './lab/firewall.ts';
import { HubRegistry } from './lab/hub-registry.ts';
import { logger } from './logger.ts';
import { courseFeature } from './course-routes.ts';
import { previewFeature } from './preview-proxy.ts';
import { ProgressStore } from './progress-store.ts';
import { createServer } from './server.ts';
import { SessionManager } from './session-manager.ts';
import { SessionStore } from './session-store.ts';

/** Starts the whole platform in this process; resolves with a stop function once it listens. */
export async function startDockyard(env: NodeJS.ProcessEnv = process.env): Promise<{
  url: string;
  stop: () => Promise<void>;
}> {
  const config = loadConfig(env);
  const docker = new Docker();
  const engineVersion = await docker.version().then(
    (v) => v.Version,
    (err: Error) => {
      throw new Error(
        `The Docker engine does not answer (${err.message}). Run "npm start" to install or start it.`,
      );
    },
  );
  const sandboxImage = config.sandboxImage ?? readImageManifest(config.dataDir).sandbox;
  await docker
    .getImage(sandboxImage)
    .inspect()
    .catch(() => {
      throw new Error(`The sandbox image ${sandboxImage} is missing: run "npm start" to build it.`);
    });
  const course = await loadCourse(config.lessonsDir);

  const store = new SessionStore(config.dbFile);
  const runtime = new DockerRuntime(docker, sandboxImage, config.instance);
  const sessions = new SessionManager(store, runtime, {
    ttlMs: config.sessionTtlMs,
    idleMs: config.sessionIdleMs,
    maxSessions: config.maxSessions,
    limits: config.sandbox,
    readyTimeoutMs: 90_000,
  });

  const hub = config.hub.enabled ? new HubRegistry(config.hubDir, config.hub.port) : undefined;
  await hub?.start();
  let firewall = false;
  if (config.firewall) {
    firewall = await applySandboxFirewall(BRIDGE_PREFIX, config.hub.enabled ? [config.hub.port] : []).then(
      () => true,
      (err: Error) => {
        logger.error({ err }, 'the sandbox firewall could not be applied: sandboxes can reach host ports');
        return false;
      },
    );
  }

  await sessions.recover();
  const reaper = setInterval(() => {
    sessions.reap().catch((err: unknown) => logger.error({ err }, 'reaper failed'));
  }, config.reapIntervalMs);

  const progress = new ProgressStore(config.dbFile);
  const courseApi = courseFeature({ sessions, runtime, course, progress });
  const preview = previewFeature({ sessions, runtime, allowedOrigins: config.allowedOrigins });

  const server = createServer({
    sessions,
    runtime,
    course,
    siteDir: config.siteDir,
    allowedOrigins: config.allowedOrigins,
    extraRoutes: [...courseApi.routes, ...preview.routes],
    upgradeHandlers: [preview.handleUpgrade],
    onExercisePassed: courseApi.onExercisePassed,
    health: async () => {
      const engineUp = await docker.ping().then(
        () => true,
        () => false,
      );
      return {
        ok: engineUp,
        engine: engineVersion,
        sandboxImage,
        firewall,
        hub: hub ? `:${config.hub.port}` : 'off',
        sessions: store.all().length,
      };
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://localhost:${port}`;
  logger.info({ port, sandboxImage, lessons: course.lessons.length }, 'listening');

  return {
    url,
    stop: async () => {
      clearInterval(reaper);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      hub?.stop();
      progress.close();
      store.close();
    },
  };
}

const isEntryPoint = process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename);
if (isEntryPoint) {
  startDockyard().then(
    ({ url, stop }) => {
      console.log(`\nDockyard is running at ${url}\n`);
      const shutdown = (signal: string) => {
        // Sandboxes stay up: the next start adopts them and learners keep their shells.
        logger.info({ signal }, 'shutting down; sandboxes are kept for the next start');
        stop().finally(() => process.exit(0));
      };
      process.once('SIGINT', () => shutdown('SIGINT'));
      process.once('SIGTERM', () => shutdown('SIGTERM'));
    },
    (err: Error) => {
      console.error(`Dockyard could not start: ${err.message}`);
      process.exit(1);
    },
  );
}
