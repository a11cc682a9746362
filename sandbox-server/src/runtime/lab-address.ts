/**
 * Addresses on the lab bridge. Each machine gets a static one (Incus's IP filter then knows the
 * machine's only address, and no DHCP client has to run before the prompt), so the driver must
 * never hand out one another machine holds: Incus notices only when the second machine starts
 * ("IP address … already defined on another NIC").
 */
const toInt = (ip: string) => ip.split('.').reduce((n, part) => n * 256 + Number(part), 0) >>> 0;
const toIp = (n: number) => [24, 16, 8, 0].map((shift) => (n >>> shift) & 255).join('.');

/** The subnet's host addresses that are neither the gateway nor in `taken`, lowest first. */
export function freeAddresses(gateway: string, prefixLength: number, taken: Iterable<string>): string[] {
  const size = 2 ** (32 - prefixLength);
  const network = toInt(gateway) - (toInt(gateway) % size);
  const skip = new Set([...taken, gateway]);
  const free: string[] = [];
  for (let host = network + 1; host < network + size - 1; host++) {
    const ip = toIp(host);
    if (!skip.has(ip)) free.push(ip);
  }
  return free;
}

/** A random free address, or an error that says the lab network is full. */
export function drawFreeAddress(
  gateway: string,
  prefixLength: number,
  taken: Iterable<string>,
  random: () => number = Math.random,
): string {
  const free = freeAddresses(gateway, prefixLength, taken);
  if (free.length === 0)
    throw new Error(
      `The lab network (${gateway}/${prefixLength}) has no free address: every one is held by a machine.`,
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
