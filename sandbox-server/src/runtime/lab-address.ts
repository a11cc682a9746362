/**
 * Addresses on the lab bridge. Each machine gets a static one (Incus's IP filter then knows the
 * machine's only address, and no DHCP client has to run before the prompt), so the driver must
 * never hand out one another machine holds: Incus notices only when the second machine starts
 * ("IP address … already defined on another NIC").
 */
/** `10.213.0.1` as a number, and back. */
export const toInt = (ip: string) => ip.split('.').reduce((n, part) => n * 256 + Number(part), 0) >>> 0;
export const toIp = (n: number) => [24, 16, 8, 0].map((shift) => (n >>> shift) & 255).join('.');

const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** The first and last address (as numbers) of `a.b.c.d/n`, any host bits ignored; throws on a bad one. */
export function cidrRange(cidr: string): { first: number; last: number } {
  const m = IPV4_CIDR.exec(cidr.trim());
  if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) > 32)
    throw new Error(`"${cidr}" is not an IPv4 subnet such as 10.213.1.0/24.`);
  const size = 2 ** (32 - Number(m[5]));
  const first = toInt(m.slice(1, 5).join('.')) - (toInt(m.slice(1, 5).join('.')) % size);
  return { first, last: first + size - 1 };
}

/** `10.213.0.1/22` → `10.213.0.0/22`, the form iptables prints. */
export const networkOf = (cidr: string) => `${toIp(cidrRange(cidr).first)}/${cidr.split('/')[1]}`;

/**
 * The subnet's host addresses that are neither the gateway nor in `taken`, lowest first; with
 * `within` (a cluster member's share of the subnet), only those inside it.
 */
export function freeAddresses(
  gateway: string,
  prefixLength: number,
  taken: Iterable<string>,
  within?: string,
): string[] {
  const { first, last } = cidrRange(`${gateway}/${prefixLength}`);
  const share = within ? cidrRange(within) : { first, last };
  const skip = new Set([...taken, gateway]);
  const free: string[] = [];
  for (let host = Math.max(first + 1, share.first); host <= Math.min(last - 1, share.last); host++) {
    const ip = toIp(host);
    if (!skip.has(ip)) free.push(ip);
  }
  return free;
}

/**
 * Each cluster member's share of the lab subnet, from `m1=10.213.0.0/24,m2=10.213.1.0/24`
 * (DOCKYARD_INCUS_MEMBER_SUBNETS): a member's machines take addresses from its share, so the
 * server's host routes each share to its member. Every share must lie inside the lab subnet.
 */
export function parseMemberSubnets(raw: string, labSubnet: string): Record<string, string> {
  const lab = cidrRange(labSubnet);
  const shares: Record<string, string> = {};
  for (const part of raw
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [member = '', subnet = ''] = part.split('=').map((p) => p.trim());
    if (!member || !subnet)
      throw new Error(`DOCKYARD_INCUS_MEMBER_SUBNETS: "${part}" is not member=subnet (m2=10.213.1.0/24).`);
    const share = cidrRange(subnet);
    if (share.first < lab.first || share.last > lab.last)
      throw new Error(
        `DOCKYARD_INCUS_MEMBER_SUBNETS: ${member}'s ${subnet} is not inside the lab subnet ${labSubnet}.`,
      );
    for (const [other, otherSubnet] of Object.entries(shares)) {
      const o = cidrRange(otherSubnet);
      if (share.first <= o.last && o.first <= share.last)
        throw new Error(
          `DOCKYARD_INCUS_MEMBER_SUBNETS: ${member}'s ${subnet} overlaps ${other}'s ${otherSubnet}.`,
        );
    }
    shares[member] = networkOf(subnet);
  }
  return shares;
}

/** A random free address, or an error that says the lab network is full. */
export function drawFreeAddress(
  gateway: string,
  prefixLength: number,
  taken: Iterable<string>,
  { random = Math.random, within }: { random?: () => number; within?: string } = {},
): string {
  const free = freeAddresses(gateway, prefixLength, taken, within);
  if (free.length === 0)
    throw new Error(
      `The lab network (${within ?? `${gateway}/${prefixLength}`}) has no free address: every one is held by a machine. Give it a larger subnet (DOCKYARD_INCUS_SUBNET, or the member's share in DOCKYARD_INCUS_MEMBER_SUBNETS), or allow fewer machines (DOCKYARD_MAX_SESSIONS).`,
    );
  return free[Math.floor(random() * free.length)]!;
}

/** Every IPv4 address the instances' NICs were given (`ipv4.address` of any device). */
export function addressesHeld(
  instances: { devices?: Record<string, Record<string, string>> | null }[],
): Set<string> {
  const held = new Set<string>();
  for (const instance of instances)
    for (const device of Object.values(instance.devices ?? {}))
      if (device['ipv4.address']) held.add(device['ipv4.address']);
  return held;
}
