import path from 'node:path';
import Docker from 'dockerode';
import { loadCourse } from '../../engine/src/index.ts';
import { loadConfig } from './config.ts';
import fs from 'node:fs';
import { BRIDGE_PREFIX, DockerRuntime } from './docker-runtime.ts';
import { IncusApi, IncusRuntime } from './incus-runtime.ts';
import type { SandboxRuntime } from './sandbox-runtime.ts';
import { notFound } from './api-error.ts';
import { openDatabase } from './database.ts';
import { accountOwner, HubAccounts } from './hub-accounts.ts';
import { HubCatalog } from './hub-catalog.ts';
import { missingImageHint } from './hub-hints.ts';
import { HubQuota } from './hub-quota.ts';
import { hubRoutes } from './hub-routes.ts';
import { currentImageManifest } from './image-manifest.ts';
import { applySandboxFirewall, type LabPort } from './lab/firewall.ts';
import { startLabDns } from './lab/lab-dns.ts';
import { keepHubFront } from './lab/hub-front.ts';
import { HubRegistry } from './lab/hub-registry.ts';
import { ensureLabPki, HUB_NAMES } from './lab/lab-pki.ts';
import { debianMirrorHosts } from './lab/package-filter.ts';
import { PackageProxy } from './lab/package-proxy.ts';
import { logger } from './logger.ts';
import { classroomRoutes, instructorToken } from './classroom.ts';
import { courseFeature } from './course-routes.ts';
import { previewFeature } from './preview-proxy.ts';
import { ProgressStore } from './progress-store.ts';
import { createServer } from './server.ts';
import { SessionManager } from './session-manager.ts';
import { SessionStore } from './session-store.ts';

export const DOCKER_RUNTIME_WARNING =
  'The Docker runtime gives every sandbox near-root power over this host (its kernel settings, devices and disk): use it only for a trusted learner on their own machine, and the Incus runtime for anyone else.';

/** Starts the whole platform in this process; resolves with a stop function once it listens. */
export async function startDockyard(env: NodeJS.ProcessEnv = process.env): Promise<{
  url: string;
  /** Where the instructor finds their token. */
  instructorTokenSource: string;
  runtime: SandboxRuntime['name'];
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
  const currentManifest = currentImageManifest(config.dataDir);
  const sandboxImage =
    config.sandboxImage ??
    (config.runtime === 'incus' ? currentManifest().incusSandbox : currentManifest().sandbox);
  if (!sandboxImage)
    throw new Error('The sandbox image has not been imported into Incus yet: run "npm start" to set it up.');
  const incusApi = config.runtime === 'incus' ? new IncusApi() : undefined;
  if (incusApi) {
    await incusApi.get(`/1.0/images/aliases/${sandboxImage}`).catch((err: Error) => {
      throw new Error(
        `The Incus sandbox image ${sandboxImage} is not there (${err.message}): run "npm start" to set it up, or set DOCKYARD_RUNTIME=docker for a trusted learner.`,
      );
    });
  } else {
    await docker
      .getImage(sandboxImage)
      .inspect()
      .catch(() => {
        throw new Error(`The sandbox image ${sandboxImage} is missing: run "npm start" to build it.`);
      });
  }
  const course = await loadCourse(config.lessonsDir);

  const pki = ensureLabPki(config.dataDir);
  const db = openDatabase(config.dbFile);
  const store = new SessionStore(db);
  const accounts = new HubAccounts(db, pki.hubSecret);
  const accountOf = (sessionId: string) => {
    const session = store.get(sessionId);
    if (!session) throw notFound(`There is no session "${sessionId}".`);
    return accounts.forOwner(accountOwner(session));
  };
  const runtime: SandboxRuntime = incusApi
    ? new IncusRuntime(incusApi, {
        image: sandboxImage,
        instance: config.instance,
        pool: config.incus.pool,
        network: config.incus.network,
        gateway: config.incus.subnet.split('/')[0]!,
        prefixLength: Number(config.incus.subnet.split('/')[1] ?? 24),
        labHostNames: HUB_NAMES,
        labCaPem: fs.readFileSync(pki.caCertFile, 'utf8'),
      })
    : new DockerRuntime(docker, {
        image: sandboxImage,
        instance: config.instance,
        labHostNames: HUB_NAMES,
        labCaFile: pki.caCertFile,
      });
  if (runtime.name === 'docker') logger.warn({ runtime: 'docker' }, DOCKER_RUNTIME_WARNING);
  const sessions = new SessionManager(store, runtime, {
    ttlMs: config.sessionTtlMs,
    idleMs: config.sessionIdleMs,
    maxSessions: config.maxSessions,
    limits: config.sandbox,
    readyTimeoutMs: 90_000,
    poolSize: config.poolSize,
  });

  const hub = config.hub.enabled
    ? new HubRegistry(config.hubDir, config.hub.registryPort, pki.tokenCertFile)
    : undefined;
  await hub?.start();
  const upstream = config.hub.enabled ? config.hub.upstream : undefined;
  const mirror = upstream
    ? new HubRegistry(config.hub.mirrorDir, config.hub.mirrorPort, pki.tokenCertFile, upstream)
    : undefined;
  await mirror?.start();
  const library = () => currentManifest().library;
  /** Online mode: what is neither the lab's library nor a learner's namespace comes from upstream. */
  const fromUpstream = (repository: string) => {
    const [namespace, ...rest] = repository.split('/');
    if (namespace === 'library') return !Object.hasOwn(library(), rest.join('/'));
    return !accounts.exists(namespace!);
  };
  const catalog = new HubCatalog(config.hub.registryPort, config.hubDir, pki.tokenKey);
  const quota = new HubQuota(catalog, config.hub.quotaBytes);
  const hubFront = config.hub.enabled
    ? keepHubFront({
        port: config.hub.port,
        cert: pki.hubCert,
        key: pki.hubKey,
        tokenKey: pki.tokenKey,
        registryPort: config.hub.registryPort,
        ...(mirror ? { mirror: { port: config.hub.mirrorPort, serves: fromUpstream } } : {}),
        uploads: {
          refusal: async (namespace) => (accounts.exists(namespace) ? quota.refusal(namespace) : undefined),
          changed: (namespace) => quota.forget(namespace),
        },
        missingImageHint: (repository, reference) => missingImageHint(library(), repository, reference),
        verify: (username, password) => accounts.verify(username, password),
      })
    : undefined;
  const packageProxy = config.packageProxy.enabled
    ? new PackageProxy(
        path.join(config.dataDir, 'package-proxy'),
        config.packageProxy.port,
        config.packageProxy.cachePort,
        debianMirrorHosts(config.packageProxy.debianMirror),
      )
    : undefined;
  await packageProxy
    ?.start()
    .catch((err: Error) => logger.error({ err }, 'builds inside sandboxes cannot reach Debian'));
  const dns = config.dns.enabled ? startLabDns(config.dns.port) : undefined;
  const labPorts: LabPort[] = [
    ...(config.hub.enabled ? [{ protocol: 'tcp' as const, port: config.hub.port, as: 443 }] : []),
    ...(config.packageProxy.enabled ? [{ protocol: 'tcp' as const, port: config.packageProxy.port }] : []),
    ...(config.dns.enabled ? [{ protocol: 'udp' as const, port: config.dns.port, as: 53 }] : []),
    // Incus sandboxes take their address from the lab bridge's DHCP server.
    ...(runtime.name === 'incus' ? [{ protocol: 'udp' as const, port: 67 }] : []),
  ];
  let firewall = false;
  if (config.firewall) {
    firewall = await applySandboxFirewall(BRIDGE_PREFIX, labPorts).then(
      () => true,
      (err: Error) => {
        logger.error({ err }, 'the sandbox firewall could not be applied: sandboxes can reach host ports');
        return false;
      },
    );
  }

  await sessions.recover();
  sessions.fillPool();
  const reaper = setInterval(() => {
    sessions.reap().catch((err: unknown) => logger.error({ err }, 'reaper failed'));
  }, config.reapIntervalMs);

  const progress = new ProgressStore(db);
  const varsFor = (sessionId: string) => ({ 'hub.username': accountOf(sessionId).username });
  const courseApi = courseFeature({ sessions, runtime, course, progress, varsFor });
  const preview = previewFeature({
    sessions,
    runtime,
    allowedOrigins: config.allowedOrigins,
    domain: config.previewDomain,
  });

  const server = createServer({
    sessions,
    runtime,
    course,
    siteDir: config.siteDir,
    allowedOrigins: config.allowedOrigins,
    extraRoutes: [
      ...hubRoutes({
        sessions,
        accountOf,
        catalog,
        quota,
        library,
      }),
      ...courseApi.routes,
      ...classroomRoutes({
        db,
        course,
        progress,
        store,
        sessions,
        token: instructorToken(config.dataDir, config.instructorToken),
      }),
      ...preview.routes,
    ],
    hostHandlers: [preview.handleRequest],
    upgradeHandlers: [preview.handleUpgrade],
    onExercisePassed: courseApi.onExercisePassed,
    varsFor,
    health: async () => {
      const engineUp = await docker.ping().then(
        () => true,
        () => false,
      );
      return {
        ok: engineUp,
        runtime: runtime.name,
        ...(runtime.name === 'docker' ? { warning: DOCKER_RUNTIME_WARNING } : {}),
        sandboxDisk: runtime.name === 'incus' ? config.sandbox.diskBytes : 'none',
        engine: engineVersion,
        sandboxImage,
        firewall,
        hub: hub ? `:${config.hub.port}` : 'off',
        hubUpstream: upstream?.url ?? 'off',
        packageProxy: packageProxy ? `:${config.packageProxy.port}` : 'off',
        sessions: store.count(),
        pool: sessions.poolStatus(),
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
    runtime: runtime.name,
    instructorTokenSource: config.instructorToken
      ? 'DOCKYARD_INSTRUCTOR_TOKEN'
      : path.relative(process.cwd(), path.join(config.dataDir, 'instructor-token')),
    stop: async () => {
      clearInterval(reaper);
      await sessions.drainPool();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      hub?.stop();
      mirror?.stop();
      hubFront?.close();
      dns?.close();
      packageProxy?.stop();
      db.close();
    },
  };
}

const isEntryPoint = process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename);
if (isEntryPoint) {
  startDockyard().then(
    ({ url, stop, instructorTokenSource, runtime }) => {
      if (runtime === 'docker') console.log(`\n\x1b[33mWarning:\x1b[0m ${DOCKER_RUNTIME_WARNING}`);
      console.log(`\nDockyard is running at ${url}\n`);
      console.log(`Instructors: ${url}/instructor/ (the token is in ${instructorTokenSource})\n`);
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
