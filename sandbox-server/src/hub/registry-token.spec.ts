import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { grant, libtrustKeyId, parseScope, signToken } from './registry-token.ts';

const learner = { kind: 'learner', username: 'braveotter42' } as const;

describe('registry token grants', () => {
  it('lets everyone pull the library and nobody but the server push to it', () => {
    const wanted = { type: 'repository', name: 'library/debian', actions: ['pull', 'push'] };
    expect(grant({ kind: 'anonymous' }, wanted)?.actions).toEqual(['pull']);
    expect(grant(learner, wanted)?.actions).toEqual(['pull']);
    expect(grant({ kind: 'admin' }, wanted)?.actions).toEqual(['pull', 'push']);
  });

  it("gives a learner their own namespace and nothing of another's", () => {
    expect(
      grant(learner, { type: 'repository', name: 'braveotter42/app', actions: ['push', 'pull'] })?.actions,
    ).toEqual(['push', 'pull']);
    expect(grant(learner, { type: 'repository', name: 'calmheron7/app', actions: ['pull'] })).toBeUndefined();
    expect(grant(learner, { type: 'repository', name: 'braveotter42', actions: ['pull'] })).toBeUndefined();
    expect(grant(learner, { type: 'registry', name: 'catalog', actions: ['*'] })).toBeUndefined();
    expect(
      grant({ kind: 'anonymous' }, { type: 'repository', name: 'braveotter42/app', actions: ['pull'] }),
    ).toBeUndefined();
  });

  it('lets everyone pull, and nobody but the server push, what the lab publishes outside library/', () => {
    const published = (repository: string) => repository === 'docker/dockerfile';
    const wanted = { type: 'repository', name: 'docker/dockerfile', actions: ['pull', 'push'] };
    expect(grant({ kind: 'anonymous' }, wanted, published)?.actions).toEqual(['pull']);
    expect(grant(learner, wanted, published)?.actions).toEqual(['pull']);
    expect(grant(learner, wanted)).toBeUndefined();
  });

  it('parses scopes and explains malformed ones', () => {
    expect(parseScope('repository:library/python:pull,push')).toEqual({
      type: 'repository',
      name: 'library/python',
      actions: ['pull', 'push'],
    });
    expect(parseScope('repository:host:5000/x:pull')).toHaveProperty('error');
    expect(parseScope('repository:Upper/Case:pull')).toEqual({
      error: '"Upper/Case" is not a valid repository name.',
    });
    expect(parseScope('repository:a/b:launch')).toHaveProperty('error');
    expect(parseScope('nonsense')).toHaveProperty('error');
  });
});

describe('registry tokens', () => {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });

  it('derives libtrust key ids: twelve groups of four base32 characters', () => {
    expect(libtrustKeyId(privateKey)).toMatch(/^([A-Z2-7]{4}:){11}[A-Z2-7]{4}$/);
    expect(libtrustKeyId(privateKey)).toBe(libtrustKeyId(privateKey));
  });

  it('signs RS256 JWTs that verify with the public key and carry the grants', () => {
    const token = signToken(privateKey, 'braveotter42', [
      { type: 'repository', name: 'library/x', actions: ['pull'] },
    ]);
    const [header, claims, signature] = token.split('.');
    const ok = crypto.verify(
      'sha256',
      Buffer.from(`${header}.${claims}`),
      crypto.createPublicKey(privateKey),
      Buffer.from(signature!, 'base64url'),
    );
    expect(ok).toBe(true);
    const body = JSON.parse(Buffer.from(claims!, 'base64url').toString());
    expect(body).toMatchObject({ sub: 'braveotter42', aud: 'registry.docker.io', iss: 'dockyard-hub' });
    expect(body.exp - body.iat).toBe(300);
  });
});
