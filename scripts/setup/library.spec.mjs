// The library's definitions and tags (images.mjs) and how folders become hub repositories
// (hub-library.mjs): the pure parts, without Docker.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hubPathOf, readLibrary, tagsFor } from './images.mjs';
import { libraryRepositories } from './hub-library.mjs';

describe('tagsFor', () => {
  it('gives the version, major.minor, major, aliases and latest', () => {
    expect(tagsFor('3.13.5')).toEqual(['3.13.5', '3.13', '3', 'latest']);
    expect(tagsFor('13.8', ['trixie'])).toEqual(['13.8', '13', 'trixie', 'latest']);
    expect(tagsFor('')).toEqual(['latest']);
    expect(tagsFor('1.2.3-beta')).toEqual(['1.2.3-beta', 'latest']);
  });

  it('gives a second folder of a repository neither the major nor latest', () => {
    expect(tagsFor('1.21.13', [], { moving: false })).toEqual(['1.21.13', '1.21']);
    expect(tagsFor('1.21', ['old'], { moving: false })).toEqual(['1.21', 'old']);
    expect(tagsFor('', [], { moving: false })).toEqual([]);
  });
});

describe('readLibrary', () => {
  let root;
  afterEach(() => root && fs.rmSync(root, { recursive: true, force: true }));
  const library = (folders) => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-library-'));
    for (const [name, meta] of Object.entries(folders)) {
      const dir = path.join(root, 'images', 'library', name);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'image.json'), JSON.stringify({ description: name, ...meta }));
      if (name !== 'debian') fs.writeFileSync(path.join(dir, 'Dockerfile'), 'ARG BASE\nFROM ${BASE}\n');
    }
    return root;
  };

  it('reads the base first, then by folder, each with its repository', () => {
    const images = readLibrary(
      library({ python: {}, 'golang-1.21': { repository: 'golang' }, golang: {}, debian: {} }),
    );
    expect(images.map((i) => [i.name, i.repository])).toEqual([
      ['debian', 'debian'],
      ['golang', 'golang'],
      ['golang-1.21', 'golang'],
      ['python', 'python'],
    ]);
  });

  it('takes a folder published outside library/ as the main one of its repository', () => {
    const dir = library({
      debian: {},
      dockerfile: { repository: 'docker/dockerfile', aliases: ['1.7', '1'] },
    });
    expect(readLibrary(dir).map((i) => [i.name, i.repository])).toEqual([
      ['debian', 'debian'],
      ['dockerfile', 'docker/dockerfile'],
    ]);
    expect(hubPathOf('docker/dockerfile')).toBe('docker/dockerfile');
    expect(hubPathOf('golang')).toBe('library/golang');
  });

  it('refuses a second folder whose repository has no main folder', () => {
    expect(() => readLibrary(library({ debian: {}, 'golang-1.21': { repository: 'golang' } }))).toThrow(
      /golang-1.21 is published as golang, but there is no folder images\/library\/golang/,
    );
  });

  it('refuses a repository that is not a hub name, and the base published as another', () => {
    expect(() => readLibrary(library({ debian: {}, go: { repository: 'Go Lang' } }))).toThrow(
      /"repository" must be/,
    );
    expect(() => readLibrary(library({ debian: { repository: 'busybox' }, busybox: {} }))).toThrow(
      /base image/,
    );
  });
});

describe('libraryRepositories', () => {
  const golang = {
    local: 'dockyard/library-golang:a',
    tags: ['1.24.4', '1.24', '1', 'latest'],
    description: 'Go.',
    sizeBytes: 5,
  };
  const golang121 = {
    repository: 'golang',
    local: 'dockyard/library-golang-1.21:b',
    tags: ['1.21.13', '1.21'],
    description: 'Go 1.21.',
    sizeBytes: 4,
  };

  it('records one entry per repository, the main folder first', () => {
    const python = {
      local: 'dockyard/library-python:c',
      tags: ['3.13.5', 'latest'],
      description: 'Py.',
      sizeBytes: 3,
    };
    expect(libraryRepositories({ 'golang-1.21': golang121, golang, python })).toEqual({
      golang: {
        local: 'dockyard/library-golang:a',
        tags: ['1.24.4', '1.24', '1', 'latest', '1.21.13', '1.21'],
        description: 'Go. Go 1.21.',
        sizeBytes: 5,
        more: [{ local: 'dockyard/library-golang-1.21:b', tags: ['1.21.13', '1.21'], sizeBytes: 4 }],
      },
      python,
    });
  });

  it('refuses two folders publishing one tag', () => {
    expect(() =>
      libraryRepositories({ golang, 'golang-1.21': { ...golang121, tags: ['1.21.13', 'latest'] } }),
    ).toThrow(/images\/library\/golang and images\/library\/golang-1.21 would both publish golang:latest/);
  });
});
