import { describe, expect, it } from 'vitest';
import { readPlaceholder } from './page-placeholders.ts';

const element = (attributes: Record<string, string>) => ({
  getAttribute: (name: string) => attributes[name] ?? null,
});

describe('readPlaceholder', () => {
  it.each([
    [
      { 'data-dockyard': 'run', 'data-command': 'docker ps' },
      { kind: 'run', command: 'docker ps' },
    ],
    [
      { 'data-dockyard': 'copy', 'data-text': 'x' },
      { kind: 'copy', text: 'x' },
    ],
    [
      { 'data-dockyard': 'exercise', 'data-id': 'e1' },
      { kind: 'exercise', id: 'e1' },
    ],
    [
      { 'data-dockyard': 'quiz', 'data-id': 'q1' },
      { kind: 'quiz', id: 'q1' },
    ],
    [
      { 'data-dockyard': 'preview', 'data-port': '5000' },
      { kind: 'preview', port: 5000 },
    ],
    [{ 'data-dockyard': 'hint' }, { kind: 'hint' }],
  ])('reads %o', (attributes, expected) => {
    expect(readPlaceholder(element(attributes))).toEqual(expected);
  });

  it('ignores other elements and ports out of range', () => {
    expect(readPlaceholder(element({}))).toBeUndefined();
    expect(readPlaceholder(element({ 'data-dockyard': 'video' }))).toBeUndefined();
    expect(readPlaceholder(element({ 'data-dockyard': 'preview', 'data-port': '70000' }))).toBeUndefined();
  });
});
