import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkKinds } from './index.ts';
import { checkReference, referenceEnd, referenceStart, withCheckReference } from './reference.ts';

const authoring = readFileSync(new URL('../../../docs/authoring.md', import.meta.url), 'utf8');

describe('the check reference in docs/authoring.md', () => {
  it('is what the check schemas generate now', () => {
    expect(
      authoring,
      'docs/authoring.md differs from the check schemas: run `npm run docs:checks` and commit the result.',
    ).toBe(withCheckReference(authoring));
  });

  it('lists every kind, every field with its default, and what each kind module adds', () => {
    const reference = checkReference();
    for (const kind of Object.keys(checkKinds)) expect(reference).toContain(`### \`kind: ${kind}\``);
    expect(reference).toContain('| `user` | `learner` | Who runs the script. One of `root`, `learner`. |');
    expect(reference).toContain("| `ports[].host` | optional | The sandbox's port it is published on;");
    expect(reference).toContain('| `repository` | required |');
    expect(reference).toContain('Containers are found by the labels Compose puts on them');
  });

  it('replaces a stale section between the markers and keeps the text around them', () => {
    const stale = `# Writing a lesson\n\n${referenceStart}\nold table\n${referenceEnd}\n\n## Validate\n`;
    const fresh = withCheckReference(stale);
    expect(fresh).not.toContain('old table');
    expect(fresh.startsWith(`# Writing a lesson\n\n${referenceStart}\n`)).toBe(true);
    expect(fresh.endsWith(`${referenceEnd}\n\n## Validate\n`)).toBe(true);
    expect(withCheckReference(fresh)).toBe(fresh);
  });

  it('refuses a document without the markers', () => {
    expect(() => withCheckReference('# Writing a lesson\n')).toThrow(
      `docs/authoring.md needs the markers ${referenceStart} and ${referenceEnd}, in that order.`,
    );
  });
});

describe('the check kind table', () => {
  it('files each kind under the `kind` its schema accepts', () => {
    for (const [kind, { schema }] of Object.entries(checkKinds))
      expect(schema.shape.kind.value, kind).toBe(kind);
  });
});
