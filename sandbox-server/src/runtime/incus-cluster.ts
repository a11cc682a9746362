// Sandboxes on an Incus cluster: which members there are, which one a new machine goes to, and
// which machines were on a member that went down. Incus does the clustering (members, the shared
// database, placement by `?target=`); this only reads it and steers placement by free memory.
import { logger } from '../logger.ts';
import type { IncusApi } from './incus-runtime.ts';

/** One member as `GET /api/health` lists it. */
export interface MemberStatus {
  name: string;
  /** Incus's own word: Online, Offline, Evacuated, … */
  status: string;
  online: boolean;
  /** Dockyard machines placed on it (of every server sharing the cluster). */
  sandboxes: number;
  /** Memory not in use on the member, as Incus reports it; null when it does not answer. */
  freeMemoryBytes: number | null;
  message: string;
}

interface MemberRecord {
  server_name: string;
  status: string;
  message: string;
}

interface InstanceLocation {
  name: string;
  location: string;
  /** Null for a machine on a member that is down. */
  config: Record<string, string> | null;
}

const MANAGED = 'user.dockyard.managed';
const NAME_PREFIX = 'dockyard-';
/** How long a reading of the members is used for placement: a room arriving at once reads once. */
const MEMBERS_CACHE_MS = 2000;

/**
 * The member a new machine goes to: the online one with the most free memory; among members
 * within 10% (or 256 MiB) of each other, the one with fewer machines: free memory moves by
 * hundreds of MiB while machines boot, and members on one host read the same memory.
 * Undefined when no member is online.
 */
export function chooseMember(members: MemberStatus[]): string | undefined {
  const online = members.filter((m) => m.online);
  online.sort((a, b) => {
    const memory = (b.freeMemoryBytes ?? 0) - (a.freeMemoryBytes ?? 0);
    const larger = Math.max(a.freeMemoryBytes ?? 0, b.freeMemoryBytes ?? 0);
    if (Math.abs(memory) > Math.max(256 * 1024 ** 2, larger / 10)) return memory;
    return a.sandboxes - b.sandboxes || a.name.localeCompare(b.name);
  });
  return online[0]?.name;
}

export class IncusCluster {
  private clusteredAnswer: Promise<boolean> | undefined;
  private cached: { at: number; members: Promise<MemberStatus[]> } | undefined;
  /** Machines placed since the last reading, so a burst spreads instead of piling on one member. */
  private placedSince = new Map<string, number>();

  constructor(
    private readonly api: IncusApi,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether the daemon Dockyard talks to is a cluster member (asked until Incus answers). */
  clustered(): Promise<boolean> {
    this.clusteredAnswer ??= this.api
      .get<{ environment?: { server_clustered?: boolean } }>('/1.0')
      .then((server) => server.environment?.server_clustered === true)
      .catch((err: unknown) => {
        // Not kept: an incusd restarting must not make every later machine fail.
        this.clusteredAnswer = undefined;
        throw err;
      });
    return this.clusteredAnswer;
  }

  /**
   * Every member with its state, its Dockyard machines and its free memory; [] off a cluster. Read
   * at most every 2 s (it costs Incus two calls and one per member), for health and placement alike.
   */
  members(): Promise<MemberStatus[]> {
    const at = this.now();
    if (!this.cached || at - this.cached.at > MEMBERS_CACHE_MS) {
      this.cached = { at, members: this.readMembers() };
      this.placedSince.clear();
    }
    return this.cached.members;
  }

  private async readMembers(): Promise<MemberStatus[]> {
    if (!(await this.clustered())) return [];
    const [records, instances] = await Promise.all([
      this.api.get<MemberRecord[]>('/1.0/cluster/members?recursion=1'),
      this.api.get<InstanceLocation[]>('/1.0/instances?recursion=1'),
    ]);
    return Promise.all(
      records.map(async (m): Promise<MemberStatus> => {
        const online = m.status === 'Online';
        const memory = online
          ? await this.api
              .get<{ memory: { total: number; used: number } }>(
                `/1.0/resources?target=${encodeURIComponent(m.server_name)}`,
              )
              .then((r) => r.memory.total - r.memory.used)
              .catch(() => null)
          : null;
        return {
          name: m.server_name,
          status: m.status,
          online,
          sandboxes: instances.filter((i) => i.location === m.server_name && i.config?.[MANAGED] === 'true')
            .length,
          freeMemoryBytes: memory,
          message: m.message,
        };
      }),
    );
  }

  /** The member for a new machine, or undefined off a cluster (Incus's own host then). */
  async placement(): Promise<string | undefined> {
    if (!(await this.clustered())) return undefined;
    const read = await this.members().catch((err: unknown) => {
      // Incus places the machine itself then (on the member with the fewest instances).
      logger.warn({ err }, 'the cluster members could not be read; Incus places the machine');
      return [];
    });
    const members = read.map((m) => ({
      ...m,
      sandboxes: m.sandboxes + (this.placedSince.get(m.name) ?? 0),
    }));
    const chosen = chooseMember(members);
    if (chosen) this.placedSince.set(chosen, (this.placedSince.get(chosen) ?? 0) + 1);
    return chosen;
  }

  /**
   * Session ids of the machines that sit on a member that is not online. Incus cannot read such a
   * machine's config (it answers `config: null`), so its session is read off its name; the caller
   * keeps the ids of its own sessions.
   */
  async stranded(): Promise<string[]> {
    if (!(await this.clustered())) return [];
    const [records, instances] = await Promise.all([
      this.api.get<MemberRecord[]>('/1.0/cluster/members?recursion=1'),
      this.api.get<InstanceLocation[]>('/1.0/instances?recursion=1'),
    ]);
    const down = new Set(records.filter((m) => m.status !== 'Online').map((m) => m.server_name));
    return (
      instances
        .filter((i) => down.has(i.location) && i.name.startsWith(NAME_PREFIX))
        // A lesson's further machines (`…-node2`) belong to the same session as its first.
        .map((i) => i.name.slice(NAME_PREFIX.length).replace(/-node[2-9]$/, ''))
        .filter((id, index, ids) => ids.indexOf(id) === index)
    );
  }
}
