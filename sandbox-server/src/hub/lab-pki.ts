import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Names the hub answers to inside sandboxes: Docker Hub's own, plus the lab's. */
export const HUB_NAMES = [
  'registry-1.docker.io',
  'index.docker.io',
  'auth.docker.io',
  'docker.io',
  'hub.dockyard.internal',
];

/** The lab's certificates and keys, created once per installation under `<dataDir>/lab-pki`. */
export interface LabPki {
  /** The lab CA certificate (PEM path), trusted inside every sandbox. */
  caCertFile: string;
  /** Certificate and key of the hub's TLS front, for every name in HUB_NAMES. */
  hubCert: string;
  hubKey: string;
  /** Key that signs registry tokens, and its certificate (the registry's rootcertbundle). */
  tokenKey: crypto.KeyObject;
  tokenCertFile: string;
  /** Secret from which hub passwords are derived. */
  hubSecret: Buffer;
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Creates the lab CA, the hub certificate and the token signing key when missing; returns them. */
export function ensureLabPki(dataDir: string): LabPki {
  const dir = path.join(dataDir, 'lab-pki');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const f = (name: string) => path.join(dir, name);
  // A key and a self-signed certificate, made once.
  const selfSigned = (name: string, subject: string) => {
    if (fs.existsSync(f(`${name}.crt`))) return;
    openssl([
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      f(`${name}.key`),
      '-out',
      f(`${name}.crt`),
      '-days',
      '3650',
      '-subj',
      subject,
    ]);
  };
  selfSigned('ca', '/CN=Dockyard lab CA');
  const namesFile = f('hub.names');
  const wantedNames = HUB_NAMES.join(',');
  if (
    !fs.existsSync(f('hub.crt')) ||
    !fs.existsSync(namesFile) ||
    fs.readFileSync(namesFile, 'utf8') !== wantedNames
  ) {
    openssl([
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      f('hub.key'),
      '-out',
      f('hub.csr'),
      '-subj',
      '/CN=registry-1.docker.io',
    ]);
    fs.writeFileSync(
      f('hub.ext'),
      `subjectAltName=${HUB_NAMES.map((n) => `DNS:${n}`).join(',')}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`,
    );
    openssl([
      'x509',
      '-req',
      '-in',
      f('hub.csr'),
      '-CA',
      f('ca.crt'),
      '-CAkey',
      f('ca.key'),
      '-CAcreateserial',
      '-out',
      f('hub.crt'),
      '-days',
      '3650',
      '-extfile',
      f('hub.ext'),
    ]);
    fs.writeFileSync(namesFile, wantedNames);
  }
  selfSigned('token', '/CN=Dockyard hub token signer');
  if (!fs.existsSync(f('hub.secret')))
    fs.writeFileSync(f('hub.secret'), crypto.randomBytes(32), { mode: 0o600 });
  return {
    hubSecret: fs.readFileSync(f('hub.secret')),
    caCertFile: f('ca.crt'),
    hubCert: fs.readFileSync(f('hub.crt'), 'utf8'),
    hubKey: fs.readFileSync(f('hub.key'), 'utf8'),
    tokenKey: crypto.createPrivateKey(fs.readFileSync(f('token.key'))),
    tokenCertFile: f('token.crt'),
  };
}
