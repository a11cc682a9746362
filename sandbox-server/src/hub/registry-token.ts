import crypto from 'node:crypto';

/** One grant in a registry token (the distribution token spec's `access` claim). */
export interface Access {
  type: string;
  name: string;
  actions: string[];
}

/** Who is asking: a learner (by hub username), nobody (anonymous), or the server itself. */
export type Principal = { kind: 'learner'; username: string } | { kind: 'anonymous' } | { kind: 'admin' };

export const HUB_SERVICE = 'registry.docker.io';
export const HUB_ISSUER = 'dockyard-hub';
const TOKEN_SECONDS = 300;

/**
 * The key id libtrust (and so the distribution registry) derives from a public key: the SHA-256 of
 * its DER encoding, truncated to 240 bits, base32, in twelve groups of four.
 */
export function libtrustKeyId(key: crypto.KeyObject): string {
  const der = crypto.createPublicKey(key).export({ type: 'spki', format: 'der' });
  const digest = crypto.createHash('sha256').update(der).digest().subarray(0, 30);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const byte of digest) bits += byte.toString(2).padStart(8, '0');
  let b32 = '';
  for (let i = 0; i < bits.length; i += 5) b32 += alphabet[parseInt(bits.slice(i, i + 5), 2)];
  return b32.match(/.{4}/g)!.join(':');
}

/** A repository name as the distribution spec spells it: lower-case path components. */
export const REPOSITORY_NAME = '[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*';

/** Parses `repository:name:pull,push` scopes; returns an error sentence for a malformed one. */
export function parseScope(scope: string): Access | { error: string } {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first <= 0 || last === first)
    return { error: `Scope "${scope}" is not of the form type:name:actions.` };
  const type = scope.slice(0, first);
  const name = scope.slice(first + 1, last);
  const actions = scope
    .slice(last + 1)
    .split(',')
    .filter(Boolean);
  if (!/^(repository|registry)(\([a-z]+\))?$/.test(type)) return { error: `Unknown scope type "${type}".` };
  if (!new RegExp(`^${REPOSITORY_NAME}$`).test(name) && name !== 'catalog') {
    return { error: `"${name}" is not a valid repository name.` };
  }
  if (actions.length === 0 || actions.some((a) => !/^(pull|push|delete|\*)$/.test(a))) {
    return { error: `Scope "${scope}" asks for unknown actions.` };
  }
  return { type: type.replace(/\(.*\)$/, ''), name, actions };
}

/**
 * What a principal may do: everyone pulls the library (`library/*`) and whatever `pullable` names
 * (the lab's images outside library/, such as docker/dockerfile, and in online mode whatever the
 * upstream serves); a learner pulls and pushes in their own namespace (`<username>/*`) and nowhere
 * else; the server may do anything.
 */
export function grant(
  principal: Principal,
  wanted: Access,
  pullable: (repository: string) => boolean = () => false,
): Access | undefined {
  if (principal.kind === 'admin') return wanted;
  if (wanted.type !== 'repository') return undefined;
  const [namespace] = wanted.name.split('/');
  let allowed: string[] = [];
  if (namespace === 'library' && wanted.name.includes('/')) allowed = ['pull'];
  if (pullable(wanted.name)) allowed = ['pull'];
  if (principal.kind === 'learner' && namespace === principal.username && wanted.name.includes('/')) {
    allowed = ['pull', 'push'];
  }
  const actions = wanted.actions.flatMap((a) => (a === '*' ? allowed : allowed.includes(a) ? [a] : []));
  return actions.length ? { ...wanted, actions: [...new Set(actions)] } : undefined;
}

/** Signs a registry bearer token (RS256 JWT) carrying the given grants. */
export function signToken(
  key: crypto.KeyObject,
  subject: string,
  access: Access[],
  now = Date.now(),
): string {
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const iat = Math.floor(now / 1000);
  const header = { typ: 'JWT', alg: 'RS256', kid: libtrustKeyId(key) };
  const claims = {
    iss: HUB_ISSUER,
    sub: subject,
    aud: HUB_SERVICE,
    iat,
    nbf: iat - 5,
    exp: iat + TOKEN_SECONDS,
    jti: crypto.randomBytes(12).toString('hex'),
    access,
  };
  const body = `${b64(header)}.${b64(claims)}`;
  const signature = crypto.sign('sha256', Buffer.from(body), key).toString('base64url');
  return `${body}.${signature}`;
}

export const TOKEN_LIFETIME_SECONDS = TOKEN_SECONDS;
