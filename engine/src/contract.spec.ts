import { describe, expect, it } from 'vitest';
import { placeholderNames, placeholderPattern } from './contract.ts';
import { substituteVars } from './substitution.ts';

describe('placeholderPattern', () => {
  it('finds every known placeholder, spaces inside the braces allowed', () => {
    const text = 'docker login -u {{hub.username}} && docker push {{ hub.username }}/web';
    expect([...text.matchAll(placeholderPattern)].map((m) => m[1])).toEqual(['hub.username', 'hub.username']);
  });

  it("leaves Go templates and unknown names alone, as the server's substitution does", () => {
    const text = "docker ps --format '{{json .}}' {{ hub.password }} {{.Names}}";
    expect(text.match(placeholderPattern)).toBeNull();
    const values = Object.fromEntries(placeholderNames.map((name) => [name, 'ada1']));
    expect(substituteVars(text, values)).toBe(text);
  });

  it('matches exactly what the server substitutes, so the page shows what the check runs', () => {
    const text = 'push {{hub.username}}/web, then {{ hub.username }}/db';
    const values = Object.fromEntries(placeholderNames.map((name) => [name, 'ada1']));
    expect(text.replace(placeholderPattern, (_m, name: string) => values[name] ?? '')).toBe(
      substituteVars(text, values),
    );
  });
});
