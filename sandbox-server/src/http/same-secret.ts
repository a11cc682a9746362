import crypto from 'node:crypto';

/**
 * Whether a secret someone gave (token, ticket, password) is the expected one, in a time that tells
 * nothing about how much of it matched, nor its length: both sides are hashed to 32 bytes first.
 */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => crypto.createHash('sha256').update(text).digest();
  return crypto.timingSafeEqual(digest(given), digest(expected));
}
