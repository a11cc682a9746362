import { describe, expect, it } from 'vitest';
import { missingImageHint } from './hub-hints.ts';

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

  it("says nothing of learners' repositories or digests", () => {
    expect(missingImageHint(library, 'braveotter123/app', 'latest')).toBeUndefined();
    expect(missingImageHint(library, 'library/debian', 'sha256:abc')).toBeUndefined();
  });
});
