/** The join code in a join URL's query (`/?class=AB3D5F`), upper-cased and without spaces; else ''. */
export function classCodeFromSearch(search: string): string {
  const raw = new URLSearchParams(search).get('class') ?? '';
  // The server takes any case with spaces or dashes; the field shows it as the projector does.
  return raw
    .toUpperCase()
    .replace(/[\s-]/g, '')
    .replace(/[^0-9A-Z]/g, '')
    .slice(0, 8);
}

/** The class this browser's learner joined, as the course index shows it. */
export interface JoinedClass {
  classId: string;
  code: string;
  name: string;
}

const JOINED_KEY = 'dockyard.class';

/** The class this browser joined last, if any (kept in the browser; the server keeps the membership). */
export function readJoinedClass(storage: Pick<Storage, 'getItem'>): JoinedClass | undefined {
  try {
    const value = JSON.parse(storage.getItem(JOINED_KEY) ?? 'null') as Partial<JoinedClass> | null;
    if (
      typeof value?.classId === 'string' &&
      typeof value.code === 'string' &&
      typeof value.name === 'string'
    )
      return { classId: value.classId, code: value.code, name: value.name };
  } catch {
    // A value another version wrote: as if none.
  }
  return undefined;
}

export function saveJoinedClass(storage: Pick<Storage, 'setItem'>, joined: JoinedClass): void {
  storage.setItem(JOINED_KEY, JSON.stringify(joined));
}
