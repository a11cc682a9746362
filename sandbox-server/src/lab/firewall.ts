import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { logger } from '../logger.ts';

const run = promisify(execFile);
const CHAIN = 'DOCKYARD-INPUT';

/**
 * Host firewall for sandboxes. Their bridges are internal (no route out and none between
 * sandboxes, enforced by Docker); this chain decides what a sandbox may reach on the host itself:
 * only the lab services' ports. The server's own port and every other host port are dropped.
 */
export async function applySandboxFirewall(
  bridgePrefix: string,
  allowedTcpPorts: number[],
  redirects: { from: number; to: number }[] = [],
): Promise<void> {
  const iptables = (...args: string[]) => run('iptables', ['-w', ...args]);
  await iptables('-N', CHAIN).catch(() => undefined); // exists already
  await iptables('-F', CHAIN);
  await iptables('-A', CHAIN, '-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'ACCEPT');
  for (const port of allowedTcpPorts) {
    await iptables('-A', CHAIN, '-p', 'tcp', '--dport', String(port), '-j', 'ACCEPT');
  }
  await iptables('-A', CHAIN, '-j', 'DROP');
  const jump = ['INPUT', '-i', `${bridgePrefix}+`, '-j', CHAIN];
  const present = await iptables('-C', ...jump).then(
    () => true,
    () => false,
  );
  if (!present) await iptables('-I', ...jump);
  // Docker Hub's port 443 inside sandboxes lands on the hub front's port on the host.
  await iptables('-t', 'nat', '-N', CHAIN).catch(() => undefined);
  await iptables('-t', 'nat', '-F', CHAIN);
  for (const { from, to } of redirects) {
    await iptables(
      '-t',
      'nat',
      '-A',
      CHAIN,
      '-p',
      'tcp',
      '--dport',
      String(from),
      '-j',
      'REDIRECT',
      '--to-ports',
      String(to),
    );
  }
  const natJump = ['PREROUTING', '-i', `${bridgePrefix}+`, '-j', CHAIN];
  const natPresent = await iptables('-t', 'nat', '-C', ...natJump).then(
    () => true,
    () => false,
  );
  if (!natPresent) await iptables('-t', 'nat', '-I', ...natJump);
  logger.info({ allowedTcpPorts }, 'sandbox firewall applied');
}
