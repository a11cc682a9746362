import fs from 'node:fs';
import path from 'node:path';

/** What `npm start` built: written by scripts/setup to <dataDir>/images.json. */
export interface LibraryEntry {
  local: string;
  tags: string[];
  description?: string;
  sizeBytes?: number;
}

export interface ImageManifest {
  sandbox: string;
  /** The sandbox image's alias in Incus, when the set-up prepared the Incus runtime. */
  incusSandbox?: string;
  /** Library images published in the hub, by name. */
  library: Record<string, LibraryEntry>;
}

/** Reads the image manifest; throws a sentence that says to run the set-up when it is missing. */
export function readImageManifest(dataDir: string): ImageManifest {
  const file = path.join(dataDir, 'images.json');
  if (!fs.existsSync(file)) {
    throw new Error(`No images have been built yet (${file} is missing): run "npm start" to build them.`);
  }
  return JSON.parse(fs.readFileSync(file, 'utf8')) as ImageManifest;
}

/**
 * The manifest as it is now, for paths that ask often (the hub front asks per request): read again
 * only when the file changed, so a set-up run while the server is up is seen without a restart.
 */
export function currentImageManifest(dataDir: string): () => ImageManifest {
  const file = path.join(dataDir, 'images.json');
  let cached: { mtimeMs: number; manifest: ImageManifest } | undefined;
  return () => {
    const mtimeMs = fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs;
    if (cached && cached.mtimeMs === mtimeMs) return cached.manifest;
    const manifest = readImageManifest(dataDir);
    cached = { mtimeMs: mtimeMs ?? 0, manifest };
    return manifest;
  };
}
