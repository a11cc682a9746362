import fs from 'node:fs';
import path from 'node:path';
import type crypto from 'node:crypto';
import { signToken } from './lab/registry-token.ts';

export interface HubTag {
  tag: string;
  sizeBytes: number;
  pushedAt: string;
}

export interface HubRepository {
  name: string;
  tags: HubTag[];
}

const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.index.v1+json',
].join(', ');

interface Manifest {
  config?: { size: number };
  layers?: { size: number }[];
  manifests?: { size: number; digest: string }[];
}

/** Reads the hub registry as the server (an admin token), for the Hub page. */
export class HubCatalog {
  constructor(
    private readonly registryPort: number,
    private readonly storageDir: string,
    private readonly tokenKey: crypto.KeyObject,
  ) {}

  private async get(pathname: string, scope: { type: string; name: string }): Promise<Response> {
    const token = signToken(this.tokenKey, 'dockyard-server', [{ ...scope, actions: ['*', 'pull'] }]);
    return fetch(`http://127.0.0.1:${this.registryPort}${pathname}`, {
      headers: { authorization: `Bearer ${token}`, accept: MANIFEST_TYPES },
    });
  }

  /** Every repository name in the hub. */
  async repositoryNames(): Promise<string[]> {
    const res = await this.get('/v2/_catalog?n=1000', { type: 'registry', name: 'catalog' });
    if (!res.ok) throw new Error(`The hub registry answered ${res.status} to the catalog request.`);
    return ((await res.json()) as { repositories: string[] | null }).repositories ?? [];
  }

  /** Tags of a repository with their size (config + layers) and push time. */
  async repository(name: string): Promise<HubRepository> {
    const scope = { type: 'repository', name };
    const res = await this.get(`/v2/${name}/tags/list`, scope);
    const tags = res.ok ? (((await res.json()) as { tags: string[] | null }).tags ?? []) : [];
    const details = await Promise.all(
      tags.map(async (tag) => {
        const manifest = await this.get(`/v2/${name}/manifests/${tag}`, scope);
        const body = (manifest.ok ? await manifest.json() : {}) as Manifest;
        const sizeBytes =
          (body.config?.size ?? 0) +
          (body.layers ?? []).reduce((sum, l) => sum + l.size, 0) +
          (body.manifests ?? []).reduce((sum, m) => sum + m.size, 0);
        // The registry keeps no push time; the tag's link file is rewritten on every push.
        const link = path.join(
          this.storageDir,
          'docker/registry/v2/repositories',
          name,
          '_manifests/tags',
          tag,
          'current/link',
        );
        const pushedAt = fs.existsSync(link) ? fs.statSync(link).mtime.toISOString() : '';
        return { tag, sizeBytes, pushedAt };
      }),
    );
    return { name, tags: details.sort((a, b) => b.pushedAt.localeCompare(a.pushedAt)) };
  }

  /** The repositories of one namespace. */
  async namespace(namespace: string): Promise<HubRepository[]> {
    const names = (await this.repositoryNames()).filter((n) => n.startsWith(`${namespace}/`));
    return Promise.all(names.map((n) => this.repository(n)));
  }
}
