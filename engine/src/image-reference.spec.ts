import { describe, expect, it } from 'vitest';
import {
  familiarImageReference,
  normaliseImageReference,
  parseImageReference,
  sameImageReference,
} from './image-reference.ts';

describe('normaliseImageReference', () => {
  it.each([
    ['hello-world', 'docker.io/library/hello-world:latest'],
    ['hello-world:latest', 'docker.io/library/hello-world:latest'],
    ['library/hello-world', 'docker.io/library/hello-world:latest'],
    ['docker.io/library/hello-world', 'docker.io/library/hello-world:latest'],
    ['index.docker.io/library/hello-world:latest', 'docker.io/library/hello-world:latest'],
    ['debian:bookworm', 'docker.io/library/debian:bookworm'],
    ['user/app', 'docker.io/user/app:latest'],
    ['docker.io/user/app:1.0', 'docker.io/user/app:1.0'],
    ['localhost:5000/app', 'localhost:5000/app:latest'],
    ['host:5000/x', 'host:5000/x:latest'],
    ['hub.dockyard.test/team/app:2', 'hub.dockyard.test/team/app:2'],
    ['localhost/app', 'localhost/app:latest'],
  ])('%s → %s', (reference, expected) => {
    expect(normaliseImageReference(reference)).toBe(expected);
  });

  it('keeps a digest and adds no tag to it', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(normaliseImageReference(`hello-world@${digest}`)).toBe(`docker.io/library/hello-world@${digest}`);
    expect(parseImageReference(`hello-world@${digest}`).tag).toBeUndefined();
  });
});

describe('sameImageReference', () => {
  it('treats the spellings of an official image as one', () => {
    const spellings = [
      'hello-world',
      'hello-world:latest',
      'docker.io/library/hello-world:latest',
      'library/hello-world',
    ];
    for (const a of spellings) for (const b of spellings) expect(sameImageReference(a, b)).toBe(true);
  });

  it('treats user/app and docker.io/user/app:latest as one', () => {
    expect(sameImageReference('user/app', 'docker.io/user/app:latest')).toBe(true);
  });

  it('keeps different tags, namespaces and registries apart', () => {
    expect(sameImageReference('hello-world', 'hello-world:1.0')).toBe(false);
    expect(sameImageReference('app', 'user/app')).toBe(false);
    expect(sameImageReference('host:5000/x', 'x')).toBe(false);
    expect(sameImageReference('host:5000/x', 'docker.io/library/x')).toBe(false);
    expect(sameImageReference('host:5000/x', 'host:5000/x:latest')).toBe(true);
  });
});

describe('familiarImageReference', () => {
  it('prints references the short way the Docker CLI does', () => {
    expect(familiarImageReference('docker.io/library/hello-world')).toBe('hello-world:latest');
    expect(familiarImageReference('docker.io/user/app:1.0')).toBe('user/app:1.0');
    expect(familiarImageReference('host:5000/x')).toBe('host:5000/x:latest');
  });
});
