import fs from 'node:fs';
import path from 'node:path';
import type crypto from 'node:crypto';
import type { HubRepository, HubTag } from '../../../engine/src/contract.ts';
import { signToken } from './registry-token.ts';

const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.index.v1+json',
].join(', ');

interface Blob {
  size: number;
  digest: string;
}

interface Manifest {
  config?: Blob;
  layers?: Blob[];
  manifests?: Blob[];
}

/** One tag as the registry stores it: its manifest's digest and the blobs that manifest names. */
interface StoredTag extends HubTag {
  digest: string;
  blobs: Blob[];
}

/** Repositories asked for per catalogue page: the most the distribution registry answers at once. */
const CATALOG_PAGE = 1000;

/**
 * The next catalogue page: the registry's `Link: <…?last=x&n=y>; rel="next"`, or, from a registry
 * that sends no Link, a page after the last name while pages come back full. Only its path and
 * query are kept: the next page is always asked of the same registry.
 */
export function nextCatalogPage(link: string | null, page: string[], pageSize: number): string | undefined {
  const target = link ? /<([^>]+)>\s*;\s*rel="?next"?/i.exec(link)?.[1] : undefined;
  if (target) {
    const url = new URL(target, 'http://registry');
    return url.pathname + url.search;
  }
  const last = page.at(-1);
  if (link === null && page.length >= pageSize && last !== undefined)
    return `/v2/_catalog?n=${pageSize}&last=${encodeURIComponent(last)}`;
  return undefined;
}

/** Reads the hub registry as the server (an admin token), for the Hub page. */
export class HubCatalog {
  constructor(
    private readonly registryPort: number,
    private readonly storageDir: string,
    private readonly tokenKey: crypto.KeyObject,
    private readonly catalogPage = CATALOG_PAGE,
  ) {}

  private async get(
    pathname: string,
    scope: { type: string; name: string },
    method = 'GET',
  ): Promise<Response> {
    const token = signToken(this.tokenKey, 'dockyard-server', [
      { ...scope, actions: ['*', 'pull', 'delete'] },
    ]);
    return fetch(`http://127.0.0.1:${this.registryPort}${pathname}`, {
      method,
      headers: { authorization: `Bearer ${token}`, accept: MANIFEST_TYPES },
    });
  }

  /** Every repository name in the hub, page after page of the registry's catalogue. */
  async repositoryNames(): Promise<string[]> {
    const names: string[] = [];
    const asked = new Set<string>();
    let next: string | undefined = `/v2/_catalog?n=${this.catalogPage}`;
    // A registry that answered the same page twice would loop: each page is asked for once.
    while (next !== undefined && !asked.has(next)) {
      asked.add(next);
      const res = await this.get(next, { type: 'registry', name: 'catalog' });
      if (!res.ok) throw new Error(`The hub registry answered ${res.status} to the catalog request.`);
      const page = ((await res.json()) as { repositories: string[] | null }).repositories ?? [];
      names.push(...page);
      next = nextCatalogPage(res.headers.get('link'), page, this.catalogPage);
    }
    return names;
  }

  /** Tags of a repository with their size (config + layers) and push time. */
  async repository(name: string): Promise<HubRepository> {
    const tags = (await this.storedTags(name)).map(({ tag, sizeBytes, pushedAt }) => ({
      tag,
      sizeBytes,
      pushedAt,
    }));
    return { name, tags };
  }

  private async storedTags(name: string): Promise<StoredTag[]> {
    const scope = { type: 'repository', name };
    const res = await this.get(`/v2/${name}/tags/list`, scope);
    const tags = res.ok ? (((await res.json()) as { tags: string[] | null }).tags ?? []) : [];
    const details = await Promise.all(
      tags.map(async (tag): Promise<StoredTag> => {
        const manifest = await this.get(`/v2/${name}/manifests/${tag}`, scope);
        const digest = manifest.headers.get('docker-content-digest') ?? '';
        const body = (manifest.ok ? await manifest.json() : {}) as Manifest;
        const blobs = [
          ...(body.config ? [body.config] : []),
          ...(body.layers ?? []),
          ...(body.manifests ?? []),
        ];
        const sizeBytes = blobs.reduce((sum, b) => sum + b.size, 0);
        // The registry keeps no push time; the tag's link file is rewritten on every push.
        const link = path.join(
          this.storageDir,
          'docker/registry/v2/repositories',
          name,
          '_manifests/tags',
          tag,
          'current/link',
        );
        const pushedAt = await fs.promises.stat(link).then(
          (stat) => stat.mtime.toISOString(),
          () => '',
        );
        return { tag, sizeBytes, pushedAt, digest, blobs };
      }),
    );
    return details.sort((a, b) => b.pushedAt.localeCompare(a.pushedAt));
  }

  /** The repositories of one namespace that hold at least one tag. */
  async namespace(namespace: string): Promise<HubRepository[]> {
    const names = (await this.repositoryNames()).filter((n) => n.startsWith(`${namespace}/`));
    const repositories = await Promise.all(names.map((n) => this.repository(n)));
    return repositories.filter((r) => r.tags.length > 0);
  }

  /** Bytes a namespace holds: every blob its tags name, each counted once (layers are shared). */
  async usage(namespace: string): Promise<number> {
    const names = (await this.repositoryNames()).filter((n) => n.startsWith(`${namespace}/`));
    const blobs = new Map<string, number>();
    for (const tags of await Promise.all(names.map((n) => this.storedTags(n)))) {
      for (const blob of tags.flatMap((t) => t.blobs)) blobs.set(blob.digest, blob.size);
    }
    return [...blobs.values()].reduce((sum, size) => sum + size, 0);
  }

  /**
   * Deletes every tag of a repository (its manifests; the registry's garbage collection frees the
   * layers later). Resolves false when the repository holds no tag.
   */
  async deleteRepository(name: string): Promise<boolean> {
    const tags = await this.storedTags(name);
    const digests = [...new Set(tags.map((t) => t.digest).filter(Boolean))];
    for (const digest of digests) {
      const res = await this.get(`/v2/${name}/manifests/${digest}`, { type: 'repository', name }, 'DELETE');
      if (!res.ok && res.status !== 404)
        throw new Error(`The hub registry answered ${res.status} when deleting ${name}.`);
    }
    return tags.length > 0;
  }
}
