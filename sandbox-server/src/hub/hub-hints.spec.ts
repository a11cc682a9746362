import { describe, expect, it } from 'vitest';
import { missingImageHint, refusedRepositoryHint } from './hub-hints.ts';
import { statusLine } from './hub-front.ts';

const library = {
  debian: { local: 'x', tags: ['13', 'latest'] },
  mariadb: { local: 'y', tags: ['11.8', 'latest'] },
};

describe('missingImageHint', () => {
  it('points images the lab cannot build to their stand-ins', () => {
    expect(missingImageHint(library, 'library/ubuntu', 'latest')).toMatch(
      /^ubuntu is not in this lab's image library: .*Use debian instead.*The library: debian, mariadb$/,
    );
    expect(missingImageHint(library, 'library/mysql', '8')).toMatch(/Use mariadb instead/);
  });

  it('names the tags of an image that exists, and the library for an unknown one', () => {
    expect(missingImageHint(library, 'library/debian', 'bookworm')).toBe(
      'debian has no tag bookworm in this lab. Its tags: 13, latest (the Hub page, /hub/, lists them all)',
    );
    expect(missingImageHint(library, 'library/nosuch', 'latest')).toMatch(
      /nosuch is not in this lab's image library/,
    );
  });

  it('names the tags of a lab image outside library/', () => {
    const withFrontend = { ...library, 'docker/dockerfile': { local: 'z', tags: ['1.7', '1', 'latest'] } };
    expect(missingImageHint(withFrontend, 'docker/dockerfile', '1.4')).toBe(
      'docker/dockerfile has no tag 1.4 in this lab. Its tags: 1.7, 1, latest (the Hub page, /hub/, lists them all)',
    );
    expect(missingImageHint(library, 'docker/dockerfile', '1.4')).toBeUndefined();
  });

  it("says nothing of learners' repositories or digests", () => {
    expect(missingImageHint(library, 'braveotter123/app', 'latest')).toBeUndefined();
    expect(missingImageHint(library, 'library/debian', 'sha256:abc')).toBeUndefined();
  });
});

describe('refusedRepositoryHint', () => {
  it('tells a `# syntax=` line to go, for every tag of the Dockerfile frontend', () => {
    expect(refusedRepositoryHint('docker/dockerfile')).toBe(
      "This lab's BuildKit has the Dockerfile frontend built in: delete the `# syntax=` line and build " +
        'again. (docker/dockerfile is not in the offline lab hub.)',
    );
    expect(refusedRepositoryHint('docker/dockerfile-upstream')).toMatch(
      /^This lab's BuildKit .*dockerfile-upstream/,
    );
  });

  it('refuses nothing else', () => {
    for (const repository of [
      'library/golang',
      'docker/compose',
      'braveotter123/dockerfile',
      'library/dockerfile',
    ])
      expect(refusedRepositoryHint(repository), repository).toBeUndefined();
  });

  it('fits a status line as it is, since BuildKit shows only that', () => {
    const hint = refusedRepositoryHint('docker/dockerfile')!;
    expect(statusLine(hint)).toBe(hint);
    expect(statusLine('a\nb\u00e9c ')).toBe('a b c');
  });
});
