import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ImportError } from '../import/import-error.ts';
import { makeZip, type ZipEntry } from './zip.ts';

// The Killercoda scenarios written for the importer's specs (engine/src/import/fixtures/), read as an
// instructor would paste or zip them; the server's import route specs use them too.

/** The folder of the fixture scenarios. */
export const scenarioFixtures = fileURLToPath(new URL('../import/fixtures/', import.meta.url));

/** A fixture scenario folder as the importer takes pasted files: path → content. */
export function readScenario(name: string): Record<string, Uint8Array> {
  const dir = path.join(scenarioFixtures, name);
  const files: Record<string, Uint8Array> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    files[path.relative(dir, full).split(path.sep).join('/')] = new Uint8Array(readFileSync(full));
  }
  return files;
}

/** A zip of the files, each under `folder` (e.g. `nginx-image/`). */
export function zipOf(files: Record<string, Uint8Array | string>, folder = ''): Uint8Array {
  return makeZip(Object.entries(files).map(([name, data]): ZipEntry => ({ name: folder + name, data })));
}

/** The ImportError that `run` throws; fails the spec if it throws none or something else. */
export function refusal(run: () => unknown): ImportError {
  try {
    run();
  } catch (error) {
    if (error instanceof ImportError) return error;
    throw error;
  }
  throw new Error('expected an ImportError');
}
