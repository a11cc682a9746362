// Docker accepts many spellings of one image: `hello-world`, `hello-world:latest`,
// `library/hello-world` and `docker.io/library/hello-world:latest` all name the same thing.
// Checks compare references in one canonical form, the way the Docker CLI expands them.

const defaultDomain = 'docker.io';
const officialNamespace = 'library';
const defaultTag = 'latest';

/** An image reference split into its parts, with Docker's defaults filled in. */
export interface ImageReference {
  /** Registry host, with port when given: `docker.io`, `localhost:5000`, `hub.dockyard.test`. */
  domain: string;
  /** Repository path within the registry: `library/hello-world`, `user/app`. */
  path: string;
  /** The tag; `latest` when neither a tag nor a digest was given. */
  tag?: string;
  /** The digest, e.g. `sha256:…`, when the reference pins one. */
  digest?: string;
}

/** Splits a reference the way the Docker CLI does, filling in docker.io, library/ and :latest. */
export function parseImageReference(reference: string): ImageReference {
  let rest = reference.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }

  let tag: string | undefined;
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > rest.lastIndexOf('/')) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
  }

  let domain = defaultDomain;
  let path = rest;
  const slash = rest.indexOf('/');
  if (slash !== -1) {
    const first = rest.slice(0, slash);
    // Like Docker: the first component is a registry host when it has a dot or a port, or is localhost.
    if (first.includes('.') || first.includes(':') || first === 'localhost') {
      domain = first.toLowerCase();
      path = rest.slice(slash + 1);
    }
  }
  if (domain === 'index.docker.io' || domain === 'registry-1.docker.io') domain = defaultDomain;
  if (domain === defaultDomain && !path.includes('/')) path = `${officialNamespace}/${path}`;

  if (tag === undefined && digest === undefined) tag = defaultTag;
  return { domain, path, ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) };
}

/** The fully spelt-out form of a reference, e.g. `docker.io/library/hello-world:latest`. */
export function normaliseImageReference(reference: string): string {
  const { domain, path, tag, digest } = parseImageReference(reference);
  return `${domain}/${path}${tag === undefined ? '' : `:${tag}`}${digest === undefined ? '' : `@${digest}`}`;
}

/** The short form the Docker CLI prints, e.g. `hello-world:latest` or `user/app:1.0`. */
export function familiarImageReference(reference: string): string {
  const { domain, path, tag, digest } = parseImageReference(reference);
  let name = domain === defaultDomain ? path : `${domain}/${path}`;
  if (domain === defaultDomain && name.startsWith(`${officialNamespace}/`))
    name = name.slice(officialNamespace.length + 1);
  return `${name}${tag === undefined ? '' : `:${tag}`}${digest === undefined ? '' : `@${digest}`}`;
}

/** Whether two references name the same image, e.g. `hello-world` and `docker.io/library/hello-world:latest`. */
export function sameImageReference(a: string, b: string): boolean {
  return normaliseImageReference(a) === normaliseImageReference(b);
}
