import { describe, expect, it } from 'vitest';
import { confineCookies, rewriteLocation } from './preview-forwarding.ts';

describe('rewriteLocation', () => {
  const prefix = '/api/sessions/abc/preview/5000';

  it('keeps root-relative redirects of the app inside the preview', () => {
    expect(rewriteLocation('/login?next=%2F', '172.18.0.2', 5000, prefix)).toBe(`${prefix}/login?next=%2F`);
  });

  it("rewrites absolute redirects to the sandbox's own address and port", () => {
    expect(rewriteLocation('http://172.18.0.2:5000/a#b', '172.18.0.2', 5000, prefix)).toBe(`${prefix}/a#b`);
  });

  it('leaves relative, protocol-relative and foreign redirects alone', () => {
    expect(rewriteLocation('next/page', '172.18.0.2', 5000, prefix)).toBe('next/page');
    expect(rewriteLocation('//example.org/x', '172.18.0.2', 5000, prefix)).toBe('//example.org/x');
    expect(rewriteLocation('http://172.18.0.2:8080/', '172.18.0.2', 5000, prefix)).toBe(
      'http://172.18.0.2:8080/',
    );
    expect(rewriteLocation('https://example.org/', '172.18.0.2', 5000, prefix)).toBe('https://example.org/');
  });
});

describe("confineCookies (previews on Dockyard's own origin)", () => {
  const prefix = '/api/sessions/abc/preview/5000';

  it("drops a cookie that would overwrite Dockyard's learner cookie", () => {
    expect(confineCookies(['dockyard_learner=evil; Path=/; HttpOnly', 'DOCKYARD_x=1'], prefix)).toEqual([]);
  });

  it("holds the app's own cookies to the preview's path, without a Domain", () => {
    expect(
      confineCookies(['session=42; Path=/; Domain=localhost; HttpOnly; SameSite=Lax', 'theme=dark'], prefix),
    ).toEqual([`session=42; HttpOnly; SameSite=Lax; Path=${prefix}/`, `theme=dark; Path=${prefix}/`]);
  });
});
