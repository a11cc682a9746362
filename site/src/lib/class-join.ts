/**
 * A join code as typed or linked, as the projector shows it: upper case, letters and digits only,
 * at most 8 (the server takes any case with spaces or dashes, and checks the rest).
 */
export function tidyCode(raw: string): string {
  return raw
    .toUpperCase()
    .replace(/[^0-9A-Z]/g, '')
    .slice(0, 8);
}

/** The join code in a join URL's query (`/?class=AB3D5F`), tidied; else ''. */
export function classCodeFromSearch(search: string): string {
  return tidyCode(new URLSearchParams(search).get('class') ?? '');
}

/** The class this browser's learner joined, as the course index shows it. */
export interface JoinedClass {
  classId: string;
  code: string;
  name: string;
}

export const JOINED_KEY = 'dockyard.class';

/**
 * Fired on `window` when this page's learner joins a class. A page's stream of class messages
 * opened before then was refused (no learner cookie, or none in a class yet) and is opened again.
 */
export const JOINED_EVENT = 'dockyard:class-joined';

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
