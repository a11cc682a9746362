import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { logger } from '../logger.ts';

const run = promisify(execFile);
const CHAIN = 'DOCKYARD-INPUT';

/** A lab service port sandboxes may reach on the host, and the port they call it by, if different. */
export interface LabPort {
  protocol: 'tcp' | 'udp';
  port: number;
  /** Sandboxes use this port (443 for the hub, 53 for DNS); the host redirects it to `port`. */
  as?: number;
}

/**
 * The host interfaces sandboxes send from, as iptables names them: on Incus the lab bridge
 * (whatever DOCKYARD_INCUS_NETWORK calls it), on Docker every per-session bridge (`dy…`).
 */
export function sandboxInterfaces(
  runtime: 'incus' | 'docker',
  incusNetwork: string,
  dockerPrefix: string,
): string {
  return runtime === 'incus' ? incusNetwork : `${dockerPrefix}+`;
}

/**
 * Host firewall for sandboxes (their interfaces: `sandboxInterfaces`). Their bridges are internal (no route out and none between
 * sandboxes, enforced by Docker); this chain decides what a sandbox may reach on the host itself:
 * only the lab services' ports. The server's own port and every other host port are dropped.
 */
export async function applySandboxFirewall(interfaces: string, labPorts: LabPort[]): Promise<void> {
  const iptables = (...args: string[]) => run('iptables', ['-w', ...args]);
  const ensureJump = async (table: string, chain: string) => {
    const jump = ['-t', table, chain, '-i', interfaces, '-j', CHAIN];
    await iptables('-t', table, '-N', CHAIN).catch(() => undefined); // exists already
    await iptables('-t', table, '-F', CHAIN);
    const present = await iptables(jump[0]!, jump[1]!, '-C', ...jump.slice(2)).then(
      () => true,
      () => false,
    );
    if (!present) await iptables(jump[0]!, jump[1]!, '-I', ...jump.slice(2));
  };

  await ensureJump('filter', 'INPUT');
  await iptables('-A', CHAIN, '-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'ACCEPT');
  for (const { protocol, port } of labPorts) {
    await iptables('-A', CHAIN, '-p', protocol, '--dport', String(port), '-j', 'ACCEPT');
  }
  await iptables('-A', CHAIN, '-j', 'DROP');

  await ensureJump('nat', 'PREROUTING');
  for (const { protocol, port, as } of labPorts) {
    if (as === undefined) continue;
    const rule = ['-p', protocol, '--dport', String(as), '-j', 'REDIRECT', '--to-ports', String(port)];
    await iptables('-t', 'nat', '-A', CHAIN, ...rule);
  }
  logger.info({ interfaces, labPorts }, 'sandbox firewall applied');
}
