import path from 'node:path';
import type { ServerConfig } from '../config.ts';
import { logger } from '../logger.ts';
import { BRIDGE_PREFIX } from '../runtime/docker-runtime.ts';
import type { SandboxRuntime } from '../runtime/sandbox-runtime.ts';
import { applySandboxFirewall, sandboxInterfaces, type LabPort } from './firewall.ts';
import { startLabDns } from './lab-dns.ts';
import { debianMirrorHosts } from './package-filter.ts';
import { PackageProxy } from './package-proxy.ts';

/** The lab's services beside the hub, as the health answer reports them, and how to stop them. */
export interface Lab {
  /** Whether the host firewall for sandboxes is in place. */
  firewall: boolean;
  /** `:<port>` of the package proxy, or `off`. */
  packageProxy: string;
  stop(): void;
}

/** The ports of the lab services sandboxes may reach on the server's host. */
export function labPorts(config: ServerConfig): LabPort[] {
  return [
    ...(config.hub.enabled ? [{ protocol: 'tcp' as const, port: config.hub.port, as: 443 }] : []),
    ...(config.packageProxy.enabled ? [{ protocol: 'tcp' as const, port: config.packageProxy.port }] : []),
    ...(config.dns.enabled ? [{ protocol: 'udp' as const, port: config.dns.port, as: 53 }] : []),
    // No DHCP: Incus machines get a static address written before their first boot (dockyard-net),
    // and the image has no DHCP client.
  ];
}

/**
 * Starts what sandboxes reach on the host besides the hub (the package proxy to Debian, the lab
 * DNS) and the firewall that lets them reach those ports, the hub's, and nothing else.
 */
export async function startLab(config: ServerConfig, runtime: SandboxRuntime['name']): Promise<Lab> {
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
  const ports = labPorts(config);
  const firewall = config.firewall
    ? await applySandboxFirewall(sandboxInterfaces(runtime, config.incus.network, BRIDGE_PREFIX), ports, {
        forward: runtime === 'incus',
        labSubnet: runtime === 'incus' ? config.incus.subnet : undefined,
      }).then(
        () => true,
        (err: Error) => {
          logger.error({ err }, 'the sandbox firewall could not be applied: sandboxes can reach host ports');
          return false;
        },
      )
    : false;
  return {
    firewall,
    packageProxy: packageProxy ? `:${config.packageProxy.port}` : 'off',
    stop: () => {
      dns?.close();
      packageProxy?.stop();
    },
  };
}
