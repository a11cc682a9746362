import { badRequest } from '../http/api-error.ts';

/** The learner's home in their machine: the only folder the file editor opens. */
export const LEARNER_HOME = '/home/learner';

/** The largest file the editor opens for editing, and the largest it saves: 1 MiB. */
export const MAX_FILE_BYTES = 1024 * 1024;

/** Longer paths are refused before anything runs (Linux's own PATH_MAX). */
const MAX_PATH_LENGTH = 4096;

/**
 * The absolute path in the learner's machine that `input` names, checked as text only: relative
 * to `home` (or `~/…`), or absolute under it; `.` segments and doubled slashes fold away. Refused
 * with a 400 and a sentence: no path, NUL bytes, `..` segments, and absolute paths outside home.
 * Symlinks are not seen here: the machine resolves them (see file-scripts.ts) before any use.
 */
export function learnerPath(input: unknown, home = LEARNER_HOME, field = 'path'): string {
  if (typeof input !== 'string') throw badRequest(`"${field}" must be a path in your home folder.`, field);
  if (input.includes('\0')) throw badRequest('The path has a NUL byte: no file is named so.', field);
  if (input.length > MAX_PATH_LENGTH)
    throw badRequest(`The path is longer than ${MAX_PATH_LENGTH} characters.`, field);
  const relative = input === '~' ? '' : input.startsWith('~/') ? input.slice(2) : input;
  const segments = relative.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..'))
    throw badRequest(`The path may not have ".." segments: name a file under ${home}.`, field);
  if (relative.startsWith('/')) {
    const homeSegments = home.split('/').filter(Boolean);
    if (!homeSegments.every((s, i) => segments[i] === s))
      throw badRequest(
        `${input} is outside your home folder (${home}): the editor opens files under it.`,
        field,
      );
    segments.splice(0, homeSegments.length);
  }
  return [home, ...segments].join('/');
}
