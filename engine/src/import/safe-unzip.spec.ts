import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { makeZip } from '../testing/zip.ts';
import { normaliseEntryPath, safeUnzip } from './safe-unzip.ts';
import { refusal } from '../testing/scenarios.ts';

const text = (data: Uint8Array | undefined): string => new TextDecoder().decode(data);

describe('safeUnzip', () => {
  it('returns the files by path, deflated or stored, and leaves folders out', () => {
    const zip = makeZip([
      { name: 'scenario/' },
      { name: 'scenario/index.json', data: '{"title":"A"}' },
      { name: 'scenario/step1/text.md', data: 'Grüße aus dem Hafen.', stored: true },
      { name: './scenario/empty.sh', data: '' },
    ]);
    const files = safeUnzip(zip);
    expect([...files.keys()]).toEqual(['scenario/index.json', 'scenario/step1/text.md', 'scenario/empty.sh']);
    expect(text(files.get('scenario/index.json'))).toBe('{"title":"A"}');
    expect(text(files.get('scenario/step1/text.md'))).toBe('Grüße aus dem Hafen.');
    expect(files.get('scenario/empty.sh')?.byteLength).toBe(0);
  });

  it('refuses a zip over the compressed limit before reading it', () => {
    const error = refusal(() => safeUnzip(new Uint8Array(50 * 1024 * 1024 + 1), 'big.zip'));
    expect(error.file).toBe('big.zip');
    expect(error.message).toMatch(/50 MB/);
  });

  it('refuses more entries than the limit', () => {
    const entries = Array.from({ length: 501 }, (_, i) => ({ name: `f${i}.md`, data: 'x', stored: true }));
    const error = refusal(() => safeUnzip(makeZip(entries), 'many.zip'));
    expect(error.file).toBe('many.zip');
    expect(error.message).toMatch(/501 entries; the limit is 500/);
  });

  it('refuses a zip whose declared sizes add up to more than the limit', () => {
    const zip = makeZip([
      { name: 'a.md', data: 'small', declaredSize: 15 * 1024 * 1024 },
      { name: 'b.md', data: 'small', declaredSize: 15 * 1024 * 1024 },
    ]);
    const error = refusal(() => safeUnzip(zip, 'declared.zip'));
    expect(error.file).toBe('declared.zip');
    expect(error.message).toMatch(/more than 20 MB/);
  });

  it('stops an entry that inflates past the size it declares (a zip bomb)', () => {
    // 21 MB of zeros deflate to about 20 KB; the entry claims 1 KB.
    const zip = makeZip([{ name: 'bomb.md', data: new Uint8Array(21 * 1024 * 1024), declaredSize: 1024 }]);
    expect(zip.byteLength).toBeLessThan(100 * 1024);
    const error = refusal(() => safeUnzip(zip));
    expect(error.file).toBe('bomb.md');
    expect(error.message).toMatch(/more than the 1024 bytes it declares/);
  });

  it('refuses an entry that unpacks to less than it declares', () => {
    const zip = makeZip([{ name: 'short.md', data: 'abc', declaredSize: 10 }]);
    expect(refusal(() => safeUnzip(zip)).message).toMatch(/unpacks to 3 bytes but declares 10/);
  });

  it('refuses a stored entry whose size is not the declared one', () => {
    const zip = makeZip([{ name: 'stored.md', data: 'abc', stored: true, declaredSize: 2 }]);
    expect(refusal(() => safeUnzip(zip)).file).toBe('stored.md');
  });

  it.each([
    ['../evil.sh', /goes up/],
    ['scenario/../../evil.sh', /goes up/],
    ['/etc/passwd', /absolute/],
    ['C:/Windows/evil.sh', /absolute/],
    ['scenario\\step1\\text.md', /backslash/],
    ['a//b.md', /empty/],
  ])('refuses the unsafe path %s, naming it', (name, why) => {
    const error = refusal(() => safeUnzip(makeZip([{ name, data: 'x' }])));
    expect(error.file).toBe(name);
    expect(error.message).toMatch(why);
  });

  it('refuses a symbolic link', () => {
    const zip = makeZip([{ name: 'scenario/verify.sh', data: '/etc/shadow', mode: 0o120777 }]);
    const error = refusal(() => safeUnzip(zip));
    expect(error.file).toBe('scenario/verify.sh');
    expect(error.message).toMatch(/symbolic link/);
  });

  it('refuses a device or a pipe', () => {
    const zip = makeZip([{ name: 'fifo', data: '', mode: 0o010644 }]);
    expect(refusal(() => safeUnzip(zip)).message).toMatch(/special file/);
  });

  it('refuses encrypted entries and two entries with one path', () => {
    expect(refusal(() => safeUnzip(makeZip([{ name: 'a.md', data: 'x', encrypted: true }]))).message).toMatch(
      /encrypted/,
    );
    const twice = makeZip([
      { name: 'a.md', data: 'x' },
      { name: './a.md', data: 'y' },
    ]);
    expect(refusal(() => safeUnzip(twice)).message).toMatch(/two entries/);
  });

  it('refuses a damaged entry: bad checksum, bad deflate data', () => {
    const zip = makeZip([{ name: 'a.md', data: 'hello', stored: true }]);
    const flipped = zip.slice();
    const first = 30 + 'a.md'.length; // the first byte of the stored content
    flipped[first] = (flipped[first] ?? 0) ^ 0xff;
    expect(refusal(() => safeUnzip(flipped)).message).toMatch(/checksum/);

    const garbage = makeZip([{ name: 'b.md', data: 'hello' }]);
    const start = 30 + 'b.md'.length;
    const body = deflateRawSync(Buffer.from('hello')).byteLength;
    garbage.fill(0xff, start, start + body);
    expect(refusal(() => safeUnzip(garbage)).file).toBe('b.md');
  });

  it('refuses what is not a zip', () => {
    const error = refusal(() => safeUnzip(new TextEncoder().encode('just some text'), 'notes.zip'));
    expect(error.file).toBe('notes.zip');
    expect(error.message).toMatch(/Not a readable zip/);
  });
});

describe('normaliseEntryPath', () => {
  it('drops a leading ./ and a trailing /', () => {
    expect(normaliseEntryPath('./step1/text.md')).toBe('step1/text.md');
    expect(normaliseEntryPath('assets/')).toBe('assets');
  });
});
