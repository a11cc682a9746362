import { describe, expect, it } from 'vitest';
import { splitPlaceholders } from './placeholder-text.ts';

describe('splitPlaceholders', () => {
  it('cuts a text into its plain parts and its placeholders, in order', () => {
    expect(splitPlaceholders('docker push {{hub.username}}/app:{{hub.username}}')).toEqual([
      'docker push ',
      { name: 'hub.username' },
      '/app:',
      { name: 'hub.username' },
    ]);
  });

  it('leaves a text without placeholders whole', () => {
    expect(splitPlaceholders('docker ps {{not one}}')).toEqual(['docker ps {{not one}}']);
    expect(splitPlaceholders('')).toEqual([]);
  });
});
