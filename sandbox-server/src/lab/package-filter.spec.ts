import { describe, expect, it } from 'vitest';
import { debianMirrorHosts, packageRequestRefusal } from './package-filter.ts';

const hosts = debianMirrorHosts(undefined);

describe('the package proxy filter', () => {
  it('lets Debian package downloads through', () => {
    expect(
      packageRequestRefusal('GET', 'http://deb.debian.org/debian/dists/trixie/Release', hosts),
    ).toBeUndefined();
    expect(
      packageRequestRefusal(
        'HEAD',
        'http://security.debian.org/debian-security/dists/trixie-security/InRelease',
        hosts,
      ),
    ).toBeUndefined();
  });

  it.each([
    ['CONNECT', '127.0.0.1:8080', 'does not open tunnels'],
    ['CONNECT', 'example.com:443', 'does not open tunnels'],
    ['POST', 'http://deb.debian.org/debian/x', 'answers GET and HEAD, not POST'],
    ['GET', 'http://127.0.0.1:8080/api/health', 'on port 80 only'],
    ['GET', 'http://127.0.0.1/api/health', 'not 127.0.0.1'],
    ['GET', 'http://10.213.0.1/debian/x', 'not 10.213.0.1'],
    ['GET', 'http://example.com/debian/x', 'not example.com'],
    ['GET', 'https://deb.debian.org/debian/x', 'plain http:// URLs only'],
    ['GET', 'http://deb.debian.org/etc/passwd', 'archive paths only'],
    ['GET', '/debian/dists/trixie/Release', 'needs a full http:// URL'],
    ['GET', 'http://user:pw@deb.debian.org/debian/x', 'port 80 only'],
  ])('refuses %s %s', (method, target, sentence) => {
    expect(packageRequestRefusal(method, target, hosts)).toContain(sentence);
  });

  it('adds the configured mirror', () => {
    expect(debianMirrorHosts('http://mirror.example.org/debian')).toContain('mirror.example.org');
    expect(debianMirrorHosts('not a url')).toEqual(hosts);
  });
});
