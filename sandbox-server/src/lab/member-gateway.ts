import { LAN_PREFIX, LAN_SUBNET } from '../runtime/machine-lan.ts';
import type { LabPort } from './firewall.ts';

/** What one cluster member needs to send its machines' lab traffic to the server's host. */
export interface MemberGateway {
  /** The member's lab bridge (dybr0), whose address is the lab gateway on every member. */
  bridge: string;
  /** The lab gateway address machines call the lab services by (10.213.0.1). */
  gateway: string;
  /** The server's host as this member reaches it. */
  server: string;
  /** The lab services' ports on the server's host; `as` is the port machines use when it differs. */
  ports: LabPort[];
}

export const MEMBER_TABLE = 'dockyard-member';

/**
 * The nftables rules of a cluster member that does not run the server. Every member's bridge has
 * the lab gateway's address, so a machine calls the hub, the package proxy and DNS on its own
 * member; these rules send exactly those ports on to the server's host (the source address stays
 * the machine's, so the server's host routes the answer back through this member), and drop
 * everything else the machines send to or through the member. The server's host alone may open
 * connections to the machines (previews); they arrive from the gateway's address, as on one host,
 * since machines have no route beyond their bridge. `nft -f` applies the whole table at once, replacing the
 * one applied before.
 */
export function memberGatewayRuleset({ bridge, gateway, server, ports }: MemberGateway): string {
  const dev = JSON.stringify(bridge);
  const dnat = ports.map(
    (p) =>
      `    iifname ${dev} ip daddr ${gateway} ${p.protocol} dport ${p.as ?? p.port} dnat to ${server}:${p.port}`,
  );
  return [
    `table ip ${MEMBER_TABLE}`,
    `delete table ip ${MEMBER_TABLE}`,
    `table ip ${MEMBER_TABLE} {`,
    '  chain prerouting {',
    '    type nat hook prerouting priority dstnat; policy accept;',
    ...dnat,
    '  }',
    '  chain postrouting {',
    '    type nat hook postrouting priority srcnat; policy accept;',
    // Machines have no route but their bridge: the server's connections come from the gateway.
    `    oifname ${dev} ip saddr ${server} snat to ${gateway}`,
    '  }',
    '  chain input {',
    '    type filter hook input priority filter; policy accept;',
    `    iifname ${dev} ct state established,related accept`,
    `    iifname ${dev} drop`,
    // The networks of sessions with several machines (incus-runtime.ts `lanName`): nothing for
    // the member itself.
    `    iifname "${LAN_PREFIX}*" drop`,
    '  }',
    '  chain forward {',
    '    type filter hook forward priority filter; policy accept;',
    `    iifname ${dev} ct status dnat ip daddr ${server} accept`,
    `    ct state established,related accept`,
    `    oifname ${dev} ip saddr ${server} ct state new accept`,
    `    iifname ${dev} drop`,
    `    oifname ${dev} drop`,
    // Between a session's own machines only: what is not for (or from) its network is not routed.
    `    iifname "${LAN_PREFIX}*" ip daddr != ${LAN_SUBNET} drop`,
    `    oifname "${LAN_PREFIX}*" ip saddr != ${LAN_SUBNET} drop`,
    '  }',
    '}',
    '',
  ].join('\n');
}
