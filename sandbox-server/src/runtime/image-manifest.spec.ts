import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { currentImageManifest } from './image-manifest.ts';

function writeManifest(dir: string, sandbox: string, mtime: Date): void {
  const file = path.join(dir, 'images.json');
  fs.writeFileSync(file, JSON.stringify({ sandbox, library: {} }));
  fs.utimesSync(file, mtime, mtime);
}

describe('the current image manifest', () => {
  it('is read once, looked at again at most once a second, and re-read when a set-up rewrote it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-images-'));
    try {
      writeManifest(dir, 'dockyard/sandbox:one', new Date(1_000_000));
      const clock = { now: 0 };
      const manifest = currentImageManifest(dir, () => clock.now);
      expect(manifest().sandbox).toBe('dockyard/sandbox:one');

      writeManifest(dir, 'dockyard/sandbox:two', new Date(2_000_000));
      clock.now = 500;
      expect(manifest().sandbox).toBe('dockyard/sandbox:one');
      clock.now = 1500;
      expect(manifest().sandbox).toBe('dockyard/sandbox:two');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says to run the set-up when there is none', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-images-'));
    try {
      expect(() => currentImageManifest(dir)()).toThrow(/No images have been built yet .* run "npm start"/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
