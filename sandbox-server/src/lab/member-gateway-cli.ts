// npm run member-gateway -- --server <address> [--apply]
//
// Prints (or, with --apply, applies here) the nftables rules a cluster member needs when it is not
// the server's host: its machines then reach the hub, the package proxy and the lab DNS on the
// server's host, and nothing else. <address> is the server's host as the member reaches it. It
// reads the same DOCKYARD_* settings as the server (lab bridge, subnet, ports), so run it with the
// server's environment. docs/operations.md, "Running on an Incus cluster", says where it goes.
import { execFileSync } from 'node:child_process';
import { isIP } from 'node:net';
import { loadConfig } from '../config.ts';
import { memberGatewayRuleset } from './member-gateway.ts';
import { labPorts } from './start-lab.ts';

function main(argv: string[]): void {
  const at = argv.indexOf('--server');
  const server = at >= 0 ? argv[at + 1] : undefined;
  if (!server || isIP(server) !== 4) {
    process.stderr.write(
      'Usage: npm run member-gateway -- --server <IPv4 address of the server host> [--apply]\n',
    );
    process.exit(2);
  }
  const config = loadConfig();
  const ruleset = memberGatewayRuleset({
    bridge: config.incus.network,
    gateway: config.incus.subnet.split('/')[0]!,
    server,
    ports: labPorts(config),
  });
  if (!argv.includes('--apply')) {
    process.stdout.write(ruleset);
    return;
  }
  execFileSync('sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
  execFileSync('nft', ['-f', '-'], { input: ruleset });
  process.stdout.write(`member gateway applied: lab traffic of ${config.incus.network} goes to ${server}\n`);
}

main(process.argv.slice(2));
