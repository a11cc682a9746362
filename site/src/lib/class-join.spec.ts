import { describe, expect, it } from 'vitest';
import { classCodeFromSearch, readJoinedClass, saveJoinedClass } from './class-join.ts';

describe('the join URL', () => {
  it('pre-fills the code of ?class=, as the projector shows it', () => {
    expect(classCodeFromSearch('?class=AB3D5F')).toBe('AB3D5F');
    expect(classCodeFromSearch('?class=ab3-d5f')).toBe('AB3D5F');
    expect(classCodeFromSearch('?lesson=x&class=%20ab3d5f%20')).toBe('AB3D5F');
  });

  it('pre-fills nothing without a code, and nothing but letters and digits from odd input', () => {
    expect(classCodeFromSearch('')).toBe('');
    expect(classCodeFromSearch('?klass=AB3D5F')).toBe('');
    expect(classCodeFromSearch('?class=<b>x</b>')).toBe('BXB');
    expect(classCodeFromSearch(`?class=${'A'.repeat(100)}`)).toBe('AAAAAAAA');
  });
});

describe('the class this browser joined', () => {
  it('is read back as saved, and as none when missing or malformed', () => {
    const store = new Map<string, string>();
    const storage = {
      getItem: (k: string) => store.get(k) ?? null,
      setItem: (k: string, v: string) => void store.set(k, v),
    };
    expect(readJoinedClass(storage)).toBeUndefined();
    saveJoinedClass(storage, { classId: 'c1', code: 'AB3D5F', name: 'Ada' });
    expect(readJoinedClass(storage)).toEqual({ classId: 'c1', code: 'AB3D5F', name: 'Ada' });
    store.set('dockyard.class', '{not json');
    expect(readJoinedClass(storage)).toBeUndefined();
    store.set('dockyard.class', '{"classId":1}');
    expect(readJoinedClass(storage)).toBeUndefined();
  });
});
