import crypto from 'node:crypto';

/**
 * Inline scripts of a built page: `<script>` elements without `src`, their text exactly as the
 * browser hashes it. (Astro's island loader is inline; so are small component scripts.)
 */
export function inlineScripts(html: string): string[] {
  const scripts: string[] = [];
  for (const match of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi)) {
    // The HTML parser turns CR LF into LF before the browser hashes the text.
    if (!/\bsrc\s*=/i.test(match[1]!)) scripts.push(match[2]!.replace(/\r\n?/g, '\n'));
  }
  return scripts;
}

/**
 * The Content-Security-Policy of a page Dockyard serves: scripts from this origin and the page's own
 * inline scripts (by their sha256, computed from the built file), nothing else; so a script that
 * reaches the page later (a value written into the DOM, an `onerror=` attribute) does not run.
 * Styles allow 'unsafe-inline': xterm.js and the highlighted code blocks set inline styles, and a
 * style cannot run code. Frames, images and connections stay open: the preview panel frames the
 * learner's app on an origin of its own, whose name depends on the configuration.
 */
export function contentSecurityPolicy(html = ''): string {
  const hashes = [...new Set(inlineScripts(html))].map(
    (text) => `'sha256-${crypto.createHash('sha256').update(text, 'utf8').digest('base64')}'`,
  );
  return [
    `script-src 'self'${hashes.map((h) => ` ${h}`).join('')}`,
    "style-src 'self' 'unsafe-inline'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'self'",
  ].join('; ');
}

/**
 * Headers of every page the server sends (not the learner's previewed app, which is theirs).
 * `same-origin` rather than `no-referrer`: links out of Dockyard (documentation, the learner's
 * preview origin) get no Referer at all, while the browser still sends its real Origin on the
 * page's own POSTs (under `no-referrer` it sends `Origin: null`, which the origin checks refuse).
 */
export function pageSecurityHeaders(csp: string): Record<string, string> {
  return {
    'content-security-policy': csp,
    'referrer-policy': 'same-origin',
    'x-content-type-options': 'nosniff',
  };
}
