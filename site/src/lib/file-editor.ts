import { ApiError, apiRequest } from './api.ts';
import { firstMachine } from './lesson-machines.ts';

// The learner's files, as the file editor sees them: the session's file routes (docs/api.md) on one
// of its machines, the language a file is highlighted as, the sentences for refusals, and a tiny
// channel by which other components ask the editor to open a file or put a snippet in one.

export interface FileEntry {
  name: string;
  type: 'file' | 'dir' | 'symlink' | 'other';
  size: number;
}

export interface FolderListing {
  path: string;
  entries: FileEntry[];
  truncated?: boolean;
}

export interface OpenedFile {
  path: string;
  content: string;
  size: number;
  mtime: string;
  readOnly?: boolean;
  reason?: string;
}

export interface SavedFile {
  path: string;
  size: number;
  mtime: string;
}

export interface SessionAccess {
  sessionId: string;
  token: string;
}

/** The session and, with several machines, the one whose files are meant (the first when unset). */
export interface FileAccess extends SessionAccess {
  machine?: string;
}

/**
 * A file route's address: `…/files` (a folder's listing) or `…/files/content` (a file), with
 * `?path=` when given and `machine=` for any machine but the first (the route's own default).
 */
export function filesUrl(
  { sessionId, machine }: Pick<FileAccess, 'sessionId' | 'machine'>,
  route: 'list' | 'content',
  path?: string,
): string {
  const query = [
    ...(path === undefined ? [] : [`path=${encodeURIComponent(path)}`]),
    ...(machine === undefined || machine === firstMachine ? [] : [`machine=${encodeURIComponent(machine)}`]),
  ];
  return (
    `/api/sessions/${encodeURIComponent(sessionId)}/files${route === 'content' ? '/content' : ''}` +
    (query.length > 0 ? `?${query.join('&')}` : '')
  );
}

export function listFolder(access: FileAccess, path?: string): Promise<FolderListing> {
  return apiRequest<FolderListing>(filesUrl(access, 'list', path), { token: access.token });
}

export function openFile(access: FileAccess, path: string): Promise<OpenedFile> {
  return apiRequest<OpenedFile>(filesUrl(access, 'content', path), { token: access.token });
}

export function saveFile(
  access: FileAccess,
  path: string,
  content: string,
  expectedMtime?: string,
): Promise<SavedFile> {
  return apiRequest<SavedFile>(filesUrl(access, 'content'), {
    method: 'PUT',
    token: access.token,
    body: { path, content, ...(expectedMtime === undefined ? {} : { expectedMtime }) },
  });
}

/**
 * The folders a refresh lists again: the home folder, each open folder whose parents are all open
 * (one inside a closed folder is not shown), and the open file's folder, to notice it was deleted.
 */
export function foldersToRelist(home: string, expanded: ReadonlySet<string>, openedFile?: string): string[] {
  const shown = (path: string): boolean => {
    if (path === home) return true;
    if (!path.startsWith(`${home}/`) || !expanded.has(path)) return false;
    return shown(path.slice(0, path.lastIndexOf('/')));
  };
  const folders = [home, ...[...expanded].filter((path) => path !== home && shown(path))];
  const parent = openedFile?.slice(0, openedFile.lastIndexOf('/'));
  if (parent && (parent === home || parent.startsWith(`${home}/`)) && !folders.includes(parent))
    folders.push(parent);
  return folders;
}

/** Two listings of a folder show the same thing (a refresh that changes nothing re-renders nothing). */
export function sameEntries(a: readonly FileEntry[] | undefined, b: readonly FileEntry[]): boolean {
  return (
    a !== undefined &&
    a.length === b.length &&
    a.every((entry, at) => {
      const other = b[at]!;
      return entry.name === other.name && entry.type === other.type && entry.size === other.size;
    })
  );
}

/** The folder (or file) asked for is not there (any more). */
export function isMissing(error: unknown): boolean {
  return error instanceof ApiError && error.code === 'file_not_found';
}

/** What a refused save or open means for the editor: the sentence, and what it may offer. */
export interface FileProblem {
  message: string;
  /** The file changed in the terminal: offer to reload it (or save again over it). */
  changed?: boolean;
  /** The file was deleted in the terminal: the next save makes it again. */
  deleted?: boolean;
}

export function fileProblem(error: unknown): FileProblem {
  if (!(error instanceof ApiError))
    return { message: error instanceof Error ? error.message : 'Something went wrong. Try again.' };
  if (error.code === 'file_changed')
    return {
      message: `${error.message} Reload shows the terminal's version; Save again keeps yours.`,
      changed: true,
    };
  if (error.code === 'file_deleted') return { message: error.message, deleted: true };
  return { message: error.message };
}

/** How a file is highlighted, by its name. */
export type FileLanguage = 'dockerfile' | 'yaml' | 'python' | 'go' | 'markdown' | 'shell' | 'text';

export function languageFor(path: string): FileLanguage {
  const name = (path.split('/').pop() ?? '').toLowerCase();
  if (
    name === 'dockerfile' ||
    name.startsWith('dockerfile.') ||
    name.endsWith('.dockerfile') ||
    name === 'containerfile'
  )
    return 'dockerfile';
  const extension = name.includes('.') ? name.slice(name.lastIndexOf('.') + 1) : '';
  switch (extension) {
    case 'yml':
    case 'yaml':
      return 'yaml';
    case 'py':
      return 'python';
    case 'go':
      return 'go';
    case 'md':
    case 'markdown':
      return 'markdown';
    case 'sh':
    case 'bash':
      return 'shell';
  }
  if (['.bashrc', '.profile', '.bash_profile', '.bash_aliases', '.bash_logout'].includes(name))
    return 'shell';
  return 'text';
}

/** A request to the editor from elsewhere on the page: open a file, or insert a snippet in it. */
export type EditorRequest = { kind: 'open'; path: string } | { kind: 'insert'; path: string; text: string };

const EVENT = 'dockyard:file-editor';
let pending: EditorRequest | undefined;

function send(request: EditorRequest): void {
  // Kept until an editor takes it, so a request made before the editor's panel mounts is not lost.
  pending = request;
  window.dispatchEvent(new CustomEvent<EditorRequest>(EVENT, { detail: request }));
}

/** Opens a file (a path in the learner's home) in the page's file editor. */
export function openInEditor(path: string): void {
  send({ kind: 'open', path });
}

/** Opens a file in the file editor and inserts `text` at its cursor (unsaved, for the learner to look at). */
export function insertSnippet(path: string, text: string): void {
  send({ kind: 'insert', path, text });
}

/** Calls `listener` with each request to the editor (and one still waiting); answers the unsubscribe. */
export function onEditorRequest(listener: (request: EditorRequest) => void): () => void {
  const handle = (event: Event) => {
    pending = undefined;
    listener((event as CustomEvent<EditorRequest>).detail);
  };
  window.addEventListener(EVENT, handle);
  if (pending) {
    const waiting = pending;
    pending = undefined;
    listener(waiting);
  }
  return () => window.removeEventListener(EVENT, handle);
}
