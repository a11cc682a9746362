import fs from 'node:fs';
import type Docker from 'dockerode';
import type { ServerConfig } from '../config.ts';
import type { LabPki } from '../hub/lab-pki.ts';
import { HUB_NAMES } from '../hub/lab-pki.ts';
import { logger } from '../logger.ts';
import { DockerRuntime } from './docker-runtime.ts';
import { currentImageManifest } from './image-manifest.ts';
import { IncusApi, IncusRuntime } from './incus-runtime.ts';
import type { SandboxRuntime } from './sandbox-runtime.ts';

export const DOCKER_RUNTIME_WARNING =
  'The Docker runtime gives every sandbox near-root power over this host (its kernel settings, devices and disk): use it only for a trusted learner on their own machine, and the Incus runtime for anyone else.';

/**
 * The runtime `DOCKYARD_RUNTIME` names, once its sandbox image is there: Incus (the default) or
 * Docker (which says, in the log, that it is not for strangers). Never falls back from one to the
 * other: what is missing is said in one sentence.
 */
export async function openRuntime(
  config: ServerConfig,
  docker: Docker,
  pki: LabPki,
): Promise<{ runtime: SandboxRuntime; sandboxImage: string }> {
  const manifest = () => currentImageManifest(config.dataDir)();
  if (config.runtime === 'incus') {
    const image = config.sandboxImage ?? manifest().incusSandbox;
    if (!image)
      throw new Error(
        'The sandbox image has not been imported into Incus yet: run "npm start" to set it up.',
      );
    const api = new IncusApi(config.incus.socket);
    await api.get(`/1.0/images/aliases/${image}`).catch((err: Error) => {
      throw new Error(
        `The Incus sandbox image ${image} is not there (${err.message}): run "npm start" to set it up, or set DOCKYARD_RUNTIME=docker for a trusted learner.`,
      );
    });
    const [gateway, prefix] = config.incus.subnet.split('/');
    const runtime = new IncusRuntime(api, {
      image,
      instance: config.instance,
      pool: config.incus.pool,
      network: config.incus.network,
      gateway: gateway!,
      prefixLength: Number(prefix ?? 24),
      labHostNames: HUB_NAMES,
      labCaPem: fs.readFileSync(pki.caCertFile, 'utf8'),
      socket: config.incus.socket,
      memberSubnets: config.incus.memberSubnets,
    });
    return { runtime, sandboxImage: image };
  }
  const image = config.sandboxImage ?? manifest().sandbox;
  await docker
    .getImage(image)
    .inspect()
    .catch(() => {
      throw new Error(`The sandbox image ${image} is missing: run "npm start" to build it.`);
    });
  logger.warn({ runtime: 'docker' }, DOCKER_RUNTIME_WARNING);
  const runtime = new DockerRuntime(docker, {
    image,
    instance: config.instance,
    labHostNames: HUB_NAMES,
    labCaFile: pki.caCertFile,
  });
  return { runtime, sandboxImage: image };
}
