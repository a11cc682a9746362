import type { ServerConfig } from '../config.ts';
import type { LibraryEntry } from '../runtime/image-manifest.ts';
import type { HubAccounts } from './hub-accounts.ts';
import { HubCatalog } from './hub-catalog.ts';
import { keepHubFront } from './hub-front.ts';
import { missingImageHint, refusedRepositoryHint } from './hub-hints.ts';
import { HubQuota } from './hub-quota.ts';
import { HubRegistry } from './hub-registry.ts';
import type { LabPki } from './lab-pki.ts';

/** The running hub: what the routes and the health answer need of it, and how to stop it. */
export interface Hub {
  catalog: HubCatalog;
  quota: HubQuota;
  /** `:<port>` of the HTTPS front, or `off`. */
  port: string;
  /** The upstream of the online mode, or `off`. */
  upstream: string;
  stop(): void;
}

/**
 * Starts the lab hub: the distribution registry (loopback), in online mode a pull-through mirror
 * of the upstream, and the HTTPS front that answers as Docker Hub inside sandboxes and checks
 * logins, tokens and quotas. With `DOCKYARD_HUB=off` only the catalogue (empty) is there.
 */
export async function startHub(options: {
  config: ServerConfig;
  pki: LabPki;
  accounts: HubAccounts;
  library: () => Record<string, LibraryEntry>;
}): Promise<Hub> {
  const { config, pki, accounts, library } = options;
  const catalog = new HubCatalog(config.hub.registryPort, config.hubDir, pki.tokenKey);
  const quota = new HubQuota(catalog, config.hub.quotaBytes);
  if (!config.hub.enabled) return { catalog, quota, port: 'off', upstream: 'off', stop: () => undefined };

  const registry = new HubRegistry(config.hubDir, config.hub.registryPort, pki.tokenCertFile);
  await registry.start();
  const upstream = config.hub.upstream;
  const mirror = upstream
    ? new HubRegistry(config.hub.mirrorDir, config.hub.mirrorPort, pki.tokenCertFile, upstream)
    : undefined;
  await mirror?.start();
  /** Online mode: what is neither the lab's library nor a learner's namespace comes from upstream. */
  const fromUpstream = (repository: string) => {
    if (Object.hasOwn(library(), repository)) return false; // the lab's own docker/dockerfile
    const [namespace, ...rest] = repository.split('/');
    if (namespace === 'library') return !Object.hasOwn(library(), rest.join('/'));
    return !accounts.exists(namespace!);
  };
  const front = keepHubFront({
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
    // docker/dockerfile is refused (with the reason) only while the set-up has not published it.
    refusedRepository: (repository) =>
      Object.hasOwn(library(), repository) ? undefined : refusedRepositoryHint(repository),
    published: (repository) => repository.includes('/') && Object.hasOwn(library(), repository),
    verify: (username, password) => accounts.verify(username, password),
  });
  return {
    catalog,
    quota,
    port: `:${config.hub.port}`,
    upstream: upstream?.url ?? 'off',
    stop: () => {
      registry.stop();
      mirror?.stop();
      front.close();
    },
  };
}
