import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './platform.ts';

export interface LibraryEntry {
  local: string;
  tags: string[];
  description: string;
  sizeBytes: number;
}

/** What the set-up published into the hub (see scripts/setup/hub-library.mjs). */
export function readLibrary(): Record<string, LibraryEntry> {
  const dataDir = path.resolve(process.env.DOCKYARD_DATA_DIR ?? path.join(repoRoot, '.dockyard'));
  const manifest = JSON.parse(fs.readFileSync(path.join(dataDir, 'images.json'), 'utf8')) as {
    library: Record<string, LibraryEntry | string>;
  };
  const library: Record<string, LibraryEntry> = {};
  for (const [name, entry] of Object.entries(manifest.library)) {
    if (typeof entry === 'string')
      throw new Error('images.json is from an older set-up: run "npm run setup"');
    library[name] = entry;
  }
  return library;
}
