import type { LibraryEntry } from '../runtime/image-manifest.ts';

/** Images people expect from Docker Hub that the lab cannot build honestly, and what to use instead. */
const STAND_INS: Record<string, string> = {
  ubuntu:
    "it is Canonical's, and this lab builds only from Debian packages. Use debian instead (docker pull debian)",
  mysql:
    "it is Oracle's. Use mariadb instead: it speaks the same protocol and honours the same MYSQL_* variables",
  postgres: 'Use mariadb for a database in this course',
  alpine: 'Use debian or busybox for a small base image',
  node: "Use python or golang for the course's apps",
};

/**
 * What the hub says when a library image or tag is not there, so `docker pull ubuntu` in an
 * offline lab explains itself instead of printing a bare "manifest unknown".
 */
export function missingImageHint(
  library: Record<string, LibraryEntry>,
  repository: string,
  reference: string,
): string | undefined {
  const name =
    /^library\/([a-z0-9._-]+)$/.exec(repository)?.[1] ??
    (Object.hasOwn(library, repository) ? repository : undefined);
  if (name === undefined) return undefined;
  const entry = library[name];
  if (entry) {
    if (reference.startsWith('sha256:')) return undefined;
    return `${name} has no tag ${reference} in this lab. Its tags: ${entry.tags.join(', ')} (the Hub page, /hub/, lists them all)`;
  }
  const standIn = STAND_INS[name];
  const available = Object.keys(library).sort().join(', ');
  return standIn
    ? `${name} is not in this lab's image library: ${standIn}. The library: ${available}`
    : `${name} is not in this lab's image library (the lab is offline). The library: ${available}`;
}

/**
 * Docker Hub repositories the lab refuses outright, whatever the tag: the Dockerfile frontend images
 * BuildKit pulls by itself when a Dockerfile starts with `# syntax=docker/dockerfile:1`. The lab
 * has none (docs/images.md says why), and BuildKit needs none: its frontend is built in.
 */
const DOCKERFILE_FRONTENDS = new Set(['docker/dockerfile', 'docker/dockerfile-upstream']);

/** Why the hub refuses a whole repository (any tag, any request), or undefined when it does not. */
export function refusedRepositoryHint(repository: string): string | undefined {
  if (!DOCKERFILE_FRONTENDS.has(repository)) return undefined;
  return (
    "This lab's BuildKit has the Dockerfile frontend built in: delete the `# syntax=` line and build " +
    `again. (${repository} is not in the offline lab hub.)`
  );
}
