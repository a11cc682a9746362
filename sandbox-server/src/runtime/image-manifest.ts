import fs from 'node:fs';
import path from 'node:path';

/** What `npm start` built: written by scripts/setup to <dataDir>/images.json. */
export interface LibraryEntry {
  local: string;
  tags: string[];
  description?: string;
  sizeBytes?: number;
  /**
   * The repository's other images (a second folder such as images/library/golang-1.21): their
   * tags are in `tags` too; `local`, `description` and `sizeBytes` above are the main image's.
   */
  more?: { local: string; tags: string[]; sizeBytes?: number }[];
}

export interface ImageManifest {
  sandbox: string;
  /** The sandbox image's alias in Incus, when the set-up prepared the Incus runtime. */
  incusSandbox?: string;
  /**
   * Library images published in the hub, by repository name: `golang` (kept as library/golang) or,
   * outside library/, `docker/dockerfile`.
   */
  library: Record<string, LibraryEntry>;
}

/** Where the hub keeps a library entry: library/<name>, or the name itself when it has a namespace. */
export function hubPath(name: string): string {
  return name.includes('/') ? name : `library/${name}`;
}

/** Reads the image manifest; throws a sentence that says to run the set-up when it is missing. */
export function readImageManifest(dataDir: string): ImageManifest {
  const file = path.join(dataDir, 'images.json');
  if (!fs.existsSync(file)) {
    throw new Error(`No images have been built yet (${file} is missing): run "npm start" to build them.`);
  }
  return JSON.parse(fs.readFileSync(file, 'utf8')) as ImageManifest;
}

/** How long the manifest is used before its file's time is looked at again. */
const RECHECK_MS = 1000;

/**
 * The manifest as it is now, for paths that ask often (the hub front asks per request): the file's
 * time is looked at most once a second and the file read again only when it changed, so a set-up
 * run while the server is up is seen without a restart and a request costs no file system call.
 * Keep the function it returns: each call of this one starts an empty cache.
 */
export function currentImageManifest(dataDir: string, now: () => number = Date.now): () => ImageManifest {
  const file = path.join(dataDir, 'images.json');
  let cached: { mtimeMs: number; manifest: ImageManifest; checkedAt: number } | undefined;
  return () => {
    const at = now();
    if (cached && at - cached.checkedAt < RECHECK_MS) return cached.manifest;
    const mtimeMs = fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs;
    if (cached && cached.mtimeMs === mtimeMs) {
      cached.checkedAt = at;
      return cached.manifest;
    }
    const manifest = readImageManifest(dataDir);
    cached = { mtimeMs: mtimeMs ?? 0, manifest, checkedAt: at };
    return manifest;
  };
}
