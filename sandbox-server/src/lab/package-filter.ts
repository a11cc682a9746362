/**
 * What the lab's package proxy lets through: plain HTTP GET or HEAD of a Debian archive path on one
 * of Debian's mirrors. Everything else (CONNECT tunnels, other hosts, the host's own addresses,
 * other paths) is refused, so the proxy cannot be used as a way out of the lab or into the host.
 * Returns undefined when the request may pass, or the sentence the refusal carries.
 */
export function packageRequestRefusal(
  method: string,
  target: string,
  allowedHosts: string[],
): string | undefined {
  if (method === 'CONNECT')
    return 'The lab package proxy does not open tunnels: it serves Debian packages over plain HTTP only.';
  if (method !== 'GET' && method !== 'HEAD')
    return `The lab package proxy answers GET and HEAD, not ${method}.`;
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return 'The lab package proxy needs a full http:// URL of a Debian package.';
  }
  if (url.protocol !== 'http:') return 'The lab package proxy serves plain http:// URLs only.';
  if (url.username || url.password || (url.port && url.port !== '80'))
    return 'The lab package proxy serves Debian mirrors on port 80 only.';
  if (!allowedHosts.includes(url.hostname.toLowerCase()))
    return `The lab package proxy serves Debian packages only (${allowedHosts.join(', ')}), not ${url.hostname}.`;
  if (!/^\/debian(-security)?\//.test(url.pathname) || url.pathname.includes('/../'))
    return 'The lab package proxy serves Debian archive paths only (/debian/… and /debian-security/…).';
  return undefined;
}

/** The Debian mirrors sandboxes may fetch from: Debian's own, and the mirror the images were built from. */
export function debianMirrorHosts(mirror: string | undefined): string[] {
  const hosts = ['deb.debian.org', 'security.debian.org', 'ftp.debian.org'];
  if (mirror) {
    try {
      hosts.push(new URL(mirror).hostname.toLowerCase());
    } catch {
      /* a malformed mirror setting adds nothing */
    }
  }
  return [...new Set(hosts)];
}
