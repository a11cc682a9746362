import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { logger } from '../logger.ts';
import { networkOf } from '../runtime/lab-address.ts';
import { LAN_PREFIX } from '../runtime/machine-lan.ts';

const run = promisify(execFile);
const CHAIN = 'DOCKYARD-INPUT';
const FORWARD_CHAIN = 'DOCKYARD-FORWARD';
const LAN_CHAIN = 'DOCKYARD-LAN';
/** The bridges of sessions with several machines (machine-lan.ts), as iptables matches them. */
const LANS = `${LAN_PREFIX}+`;

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
 * Where `jump` must go in a built-in chain whose rules (`iptables -S` lines) are `rules`: first, since
 * a rule above it could accept what the Dockyard chain drops (Incus, when its own firewall was on,
 * inserted `-p tcp --dport 53 -j ACCEPT` above it on every daemon start). Returns the 1-based
 * positions to delete after inserting `jump` at the top, last first, or `undefined` if it is first
 * already and alone.
 */
export function jumpRepair(rules: string[], jump: string): number[] | undefined {
  const appended = rules.filter((r) => r.startsWith('-A '));
  const at = appended.flatMap((r, i) => (r === jump ? [i] : []));
  if (at.length === 1 && at[0] === 0) return undefined;
  // After the insert at the top every old rule moves down one place.
  return at.map((i) => i + 2).reverse();
}

/**
 * Host firewall for sandboxes (their interfaces: `sandboxInterfaces`). This chain decides what a
 * sandbox may reach on the host itself: only the lab services' ports. The server's own port and
 * every other host port are dropped. With `forward` (Incus) it also drops anything routed to or from
 * the lab bridge, so there is no way out and none between sandboxes through the host; Docker's
 * internal bridges enforce that themselves.
 */
export async function applySandboxFirewall(
  interfaces: string,
  labPorts: LabPort[],
  { forward, labSubnet }: { forward: boolean; labSubnet?: string },
): Promise<void> {
  const iptables = (...args: string[]) => run('iptables', ['-w', ...args]);
  const chainOf = async (table: string, chain: string) => {
    await iptables('-t', table, '-N', chain).catch(() => undefined); // exists already
    await iptables('-t', table, '-F', chain);
  };
  const jumpFirst = async (table: string, builtin: string, match: string[], chain: string) => {
    const spec = ['-A', builtin, ...match, '-j', chain].join(' ');
    const rules = (await iptables('-t', table, '-S', builtin)).stdout.split('\n');
    const repair = jumpRepair(rules, spec);
    if (!repair) return;
    await iptables('-t', table, '-I', builtin, '1', ...match, '-j', chain);
    for (const position of repair) await iptables('-t', table, '-D', builtin, String(position));
  };

  await chainOf('filter', CHAIN);
  await iptables('-A', CHAIN, '-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'ACCEPT');
  for (const { protocol, port } of labPorts) {
    await iptables('-A', CHAIN, '-p', protocol, '--dport', String(port), '-j', 'ACCEPT');
  }
  await iptables('-A', CHAIN, '-j', 'DROP');
  await jumpFirst('filter', 'INPUT', ['-i', interfaces], CHAIN);
  // Machines on the other members of a cluster reach the lab through their member's gateway
  // (member-gateway.ts), which sends them here from the lab subnet on another interface: the same
  // ports only, and nothing routed on from here.
  const members = labSubnet ? ['-s', networkOf(labSubnet), '!', '-i', interfaces] : undefined;
  if (members) await jumpFirst('filter', 'INPUT', members, CHAIN);

  if (forward) {
    await chainOf('filter', FORWARD_CHAIN);
    await iptables('-A', FORWARD_CHAIN, '-j', 'DROP');
    await jumpFirst('filter', 'FORWARD', ['-i', interfaces], FORWARD_CHAIN);
    await jumpFirst('filter', 'FORWARD', ['-o', interfaces], FORWARD_CHAIN);
    if (labSubnet) {
      await jumpFirst('filter', 'FORWARD', ['-s', networkOf(labSubnet)], FORWARD_CHAIN);
      await jumpFirst('filter', 'FORWARD', ['-d', networkOf(labSubnet)], FORWARD_CHAIN);
    }
    // A session's own network (several machines): its machines talk to each other across the
    // bridge (br_netfilter shows those frames to FORWARD, whose policy Docker sets to drop), and
    // nothing else. The host has no address there; what is sent to it anyway, or to be routed
    // on, is dropped.
    await chainOf('filter', LAN_CHAIN);
    await iptables('-A', LAN_CHAIN, '-m', 'physdev', '--physdev-is-bridged', '-j', 'ACCEPT');
    await iptables('-A', LAN_CHAIN, '-j', 'DROP');
    // (physdev's "bridged" means not routed, in FORWARD only: INPUT drops all.)
    await jumpFirst('filter', 'INPUT', ['-i', LANS], 'DROP');
    await jumpFirst('filter', 'FORWARD', ['-i', LANS], LAN_CHAIN);
    await jumpFirst('filter', 'FORWARD', ['-o', LANS], LAN_CHAIN);
  }

  await chainOf('nat', CHAIN);
  for (const { protocol, port, as } of labPorts) {
    if (as === undefined) continue;
    const rule = ['-p', protocol, '--dport', String(as), '-j', 'REDIRECT', '--to-ports', String(port)];
    await iptables('-t', 'nat', '-A', CHAIN, ...rule);
  }
  await jumpFirst('nat', 'PREROUTING', ['-i', interfaces], CHAIN);
  logger.info({ interfaces, labPorts, forward }, 'sandbox firewall applied');
}
