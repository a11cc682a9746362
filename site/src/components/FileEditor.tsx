import { lazy, Suspense, useCallback, useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import {
  fileProblem,
  foldersToRelist,
  isMissing,
  languageFor,
  listFolder,
  onEditorRequest,
  openFile,
  saveFile,
  sameEntries,
  type EditorRequest,
  type FileAccess,
  type FileEntry,
  type SessionAccess,
} from '../lib/file-editor.ts';
import { firstMachine } from '../lib/lesson-machines.ts';
import { pollWhileVisible } from '../lib/visible-poll.ts';
import type { CodeViewHandle } from './FileCodeView.tsx';

// CodeMirror comes only with the editor's panel, as its own chunk.
const FileCodeView = lazy(() => import('./FileCodeView.tsx'));

const HOME = '/home/learner';
/** How often the tree is listed again while the editor is in front and the page visible. */
const REFRESH_MS = 5000;

interface Folder {
  entries?: FileEntry[];
  truncated?: boolean;
  error?: string;
}

interface Opened {
  path: string;
  mtime: string;
  readOnly: boolean;
  reason?: string;
  /** The text as opened: a new object makes a new editor document. */
  document: { text: string };
}

/**
 * The learner's files: their home as a tree (a folder opens on click), a file in CodeMirror,
 * Save (and Ctrl/Cmd+S) and Reload. Everything goes through the session's file routes, so it is
 * the machine's own files, as the learner user. Other components open a file in it, or put a
 * snippet in one, with `openInEditor` / `insertSnippet` (site/src/lib/file-editor.ts).
 *
 * While `active` (its tab in front) and the page visible, the open folders are listed again as it
 * comes to the front and every few seconds, so files made in the terminal show up by themselves;
 * an open file deleted in the terminal is said so in the status line.
 *
 * A session with several `machines` shows one machine's files at a time, picked above the tree
 * ("Machine"); it starts on `machine` (the terminal in front as the editor first opens). Each
 * machine keeps its own open folders.
 */
export default function FileEditor({
  sessionId,
  token,
  active = true,
  machines = [firstMachine],
  machine: initialMachine,
}: SessionAccess & {
  active?: boolean;
  /** The session's machines; with more than one, a picker chooses whose files are shown. */
  machines?: readonly string[];
  /** The machine shown first (the first machine when unset or not the session's). */
  machine?: string;
}) {
  const [machine, setMachine] = useState(() =>
    initialMachine !== undefined && machines.includes(initialMachine)
      ? initialMachine
      : (machines[0] ?? firstMachine),
  );
  const access = useRef<FileAccess>({ sessionId, token, machine });
  const [folders, setFolders] = useState<Record<string, Folder>>({});
  const [expanded, setExpanded] = useState<Set<string>>(() => new Set([HOME]));
  /** The open folders of the machines not shown, for when the learner picks them again. */
  const expandedElsewhere = useRef(new Map<string, Set<string>>());
  const [focused, setFocused] = useState<string | undefined>(undefined);
  const [opened, setOpened] = useState<Opened | undefined>(undefined);
  const [dirty, setDirty] = useState(false);
  /** After a 409 (changed or deleted in the terminal), the next Save writes without the mtime. */
  const [overwrite, setOverwrite] = useState(false);
  const [problem, setProblem] = useState<{ message: string; changed?: boolean } | undefined>(undefined);
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);
  /** The open file, found deleted (in the terminal) by a refresh. */
  const [gone, setGone] = useState<string | undefined>(undefined);
  const text = useRef('');
  const view = useRef<CodeViewHandle | undefined>(undefined);
  const pendingInsert = useRef<{ path: string; text: string } | undefined>(undefined);
  const tree = useRef<HTMLUListElement>(null);
  const machineId = useId();

  useEffect(() => {
    access.current = { sessionId, token, machine };
  }, [sessionId, token, machine]);

  /** Numbers the listings, so an answer older than the one shown for its folder is dropped. */
  const listingCount = useRef(0);
  const shownListing = useRef(new Map<string, number>());
  /** What a refresh needs from the latest render (the poll's callback stays the same). */
  const latest = useRef<{ expanded: ReadonlySet<string>; opened?: string; gone?: string }>({
    expanded,
  });
  useEffect(() => {
    latest.current = { expanded, opened: opened?.path, gone };
  }, [expanded, opened?.path, gone]);

  /**
   * Lists `paths` afresh, all at once, and shows them in one update; a folder whose entries did not
   * change keeps its object, so nothing re-renders. `quiet` (the periodic refresh): a failed listing
   * keeps the entries already shown, unless the folder is gone.
   */
  const loadFolders = useCallback(async (paths: string[], quiet: boolean) => {
    const from = access.current;
    const answers = await Promise.all(
      paths.map(async (path) => {
        const count = ++listingCount.current;
        try {
          return { path, count, listing: await listFolder(from, path) };
        } catch (error) {
          return { path, count, error };
        }
      }),
    );
    // Another machine was picked meanwhile: these are not the files shown now.
    if (access.current.machine !== from.machine) return;
    const fresh = answers.filter(({ path, count }) => count > (shownListing.current.get(path) ?? 0));
    for (const { path, count } of fresh) shownListing.current.set(path, count);
    setFolders((all) => {
      let next = all;
      const put = (path: string, folder: Folder) => {
        if (next === all) next = { ...all };
        next[path] = folder;
      };
      for (const answer of fresh) {
        const before = all[answer.path];
        if (answer.listing) {
          const { entries, truncated } = answer.listing;
          if (!before?.error && sameEntries(before?.entries, entries) && before?.truncated === truncated)
            continue;
          put(answer.path, { entries, truncated });
        } else if (!(quiet && before?.entries && !isMissing(answer.error))) {
          put(answer.path, { error: fileProblem(answer.error).message });
        }
      }
      return next;
    });
    // The open file: still in its folder's listing, or deleted in the terminal?
    const file = latest.current.opened;
    if (!file) return;
    const folder = file.slice(0, file.lastIndexOf('/'));
    const answer = fresh.find(({ path }) => path === folder);
    if (!answer) return;
    const name = file.slice(folder.length + 1);
    // (A cut-short listing may just not reach it.)
    const deleted = answer.listing
      ? !answer.listing.truncated && !answer.listing.entries.some((entry) => entry.name === name)
      : isMissing(answer.error);
    if (deleted && latest.current.gone !== file) {
      latest.current.gone = file;
      setGone(file);
      setStatus(`${file} was deleted in the terminal.`);
    } else if (!deleted && latest.current.gone === file) {
      latest.current.gone = undefined;
      setGone(undefined);
    }
  }, []);

  /** Lists the folders shown (and the open file's) afresh. */
  const refresh = useCallback(
    (quiet: boolean) =>
      loadFolders(foldersToRelist(HOME, latest.current.expanded, latest.current.opened), quiet),
    [loadFolders],
  );

  // In front: listed now, then every few seconds while the page is visible (one listing at a time).
  useEffect(() => {
    if (!active) return;
    return pollWhileVisible(() => refresh(true), REFRESH_MS);
  }, [active, refresh]);

  const open = useCallback(
    async (path: string, options: { force?: boolean } = {}) => {
      if (dirty && !options.force && !window.confirm(`Discard your unsaved changes to ${opened?.path}?`))
        return;
      setBusy(true);
      setProblem(undefined);
      const from = access.current;
      try {
        const file = await openFile(from, path);
        // Another machine was picked meanwhile: the file is not one of those shown.
        if (access.current.machine !== from.machine) return;
        text.current = file.content;
        setOpened({
          path: file.path,
          mtime: file.mtime,
          readOnly: file.readOnly ?? false,
          reason: file.reason,
          document: { text: file.content },
        });
        setDirty(false);
        setOverwrite(false);
        setGone(undefined);
        setStatus(`Opened ${file.path}.`);
      } catch (error) {
        if (access.current.machine === from.machine) setProblem(fileProblem(error));
      } finally {
        setBusy(false);
      }
    },
    [dirty, opened?.path],
  );

  const save = useCallback(async () => {
    if (!opened || opened.readOnly || busy) return;
    setBusy(true);
    setProblem(undefined);
    try {
      const saved = await saveFile(
        access.current,
        opened.path,
        text.current,
        overwrite ? undefined : opened.mtime,
      );
      setOpened((o) => (o && o.path === saved.path ? { ...o, mtime: saved.mtime } : o));
      setDirty(false);
      setOverwrite(false);
      setGone(undefined);
      setStatus(`Saved ${saved.path} (${saved.size} bytes).`);
    } catch (error) {
      const found = fileProblem(error);
      setProblem(found);
      if (found.changed || found.deleted) setOverwrite(true);
    } finally {
      setBusy(false);
    }
  }, [opened, busy, overwrite]);

  /**
   * Shows another machine's files: its tree (with the folders open there last time) afresh, and no
   * file open; unsaved changes are discarded only if the learner says so.
   */
  const pickMachine = useCallback(
    (next: string) => {
      if (next === machine || !machines.includes(next)) return;
      if (dirty && opened && !window.confirm(`Discard your unsaved changes to ${opened.path}?`)) return;
      expandedElsewhere.current.set(machine, expanded);
      const nextExpanded = expandedElsewhere.current.get(next) ?? new Set([HOME]);
      // At once, so listings already under way for the machine left are dropped as they come.
      access.current = { ...access.current, machine: next };
      latest.current = { expanded: nextExpanded };
      shownListing.current.clear();
      pendingInsert.current = undefined;
      text.current = '';
      setMachine(next);
      setExpanded(nextExpanded);
      setFolders({});
      setFocused(undefined);
      setOpened(undefined);
      setDirty(false);
      setOverwrite(false);
      setProblem(undefined);
      setGone(undefined);
      setStatus(`Showing the files of ${next}.`);
      void loadFolders(foldersToRelist(HOME, nextExpanded), false);
    },
    [machine, machines, dirty, opened, expanded, loadFolders],
  );

  const reload = useCallback(() => {
    if (!opened || (dirty && !window.confirm(`Discard your changes to ${opened.path}?`))) return;
    void open(opened.path, { force: true });
  }, [opened, open, dirty]);

  // Requests from elsewhere on the page (an exercise's "Open in editor").
  const handleRequest = useRef<(request: EditorRequest) => void>(() => undefined);
  useEffect(() => {
    handleRequest.current = (request) => {
      if (request.kind === 'insert') pendingInsert.current = { path: request.path, text: request.text };
      void open(request.path);
    };
  }, [open]);
  useEffect(() => onEditorRequest((request) => handleRequest.current(request)), []);

  const onReady = useCallback(
    (handle: CodeViewHandle) => {
      view.current = handle;
      const waiting = pendingInsert.current;
      if (waiting && opened && (opened.path === waiting.path || opened.path.endsWith(`/${waiting.path}`))) {
        pendingInsert.current = undefined;
        handle.insert(waiting.text);
      }
    },
    [opened],
  );

  const toggle = (path: string) => {
    const closing = expanded.has(path);
    // The keyboard's place moves out of a folder that closes; a folder that opens is listed afresh.
    if (closing) setFocused((at) => (at?.startsWith(`${path}/`) ? path : at));
    else void loadFolders([path], false);
    setExpanded((all) => {
      const next = new Set(all);
      if (closing) next.delete(path);
      else next.add(path);
      return next;
    });
  };

  const activate = (path: string, entry: FileEntry) => {
    setFocused(path);
    if (entry.type === 'dir') toggle(path);
    else if (entry.type === 'file' || entry.type === 'symlink') void open(path);
  };

  /** Arrow keys move among the visible items; Right and Left open and close a folder. */
  const onTreeKey = (event: KeyboardEvent<HTMLUListElement>) => {
    const items = [...(tree.current?.querySelectorAll<HTMLElement>('[role="treeitem"]') ?? [])];
    const at = items.indexOf(document.activeElement as HTMLElement);
    if (at < 0) return;
    const item = items[at]!;
    const path = item.dataset.path!;
    const move = (to: number) => {
      const target = items[Math.max(0, Math.min(items.length - 1, to))];
      if (target) {
        setFocused(target.dataset.path);
        target.focus();
      }
    };
    if (event.key === 'ArrowDown') move(at + 1);
    else if (event.key === 'ArrowUp') move(at - 1);
    else if (event.key === 'Home') move(0);
    else if (event.key === 'End') move(items.length - 1);
    else if (event.key === 'ArrowRight' && item.dataset.dir && !expanded.has(path)) toggle(path);
    else if (event.key === 'ArrowLeft' && item.dataset.dir && expanded.has(path)) toggle(path);
    else if (event.key === 'Enter' || event.key === ' ') item.click();
    else return;
    event.preventDefault();
    event.stopPropagation();
  };

  // The one item Tab reaches (the others by arrow keys): the last one used while it is shown (a
  // refresh may take it away), else the first.
  const itemsIn = (path: string): string[] =>
    (folders[path]?.entries ?? []).flatMap((entry) => {
      const child = `${path}/${entry.name}`;
      return [child, ...(entry.type === 'dir' && expanded.has(child) ? itemsIn(child) : [])];
    });
  const first = folders[HOME]?.entries?.[0];
  const tabStop =
    focused !== undefined && itemsIn(HOME).includes(focused) ? focused : first && `${HOME}/${first.name}`;

  const renderFolder = (path: string, level: number) => {
    const folder = folders[path];
    if (!folder) return <li role="none">Loading…</li>;
    if (folder.error)
      return (
        <li role="none" className="file-tree-error">
          {folder.error}
        </li>
      );
    if (folder.entries!.length === 0)
      return (
        <li role="none" className="file-tree-empty">
          (empty)
        </li>
      );
    return [
      ...folder.entries!.map((entry) => {
        const child = `${path}/${entry.name}`;
        const isDir = entry.type === 'dir';
        const isOpen = isDir && expanded.has(child);
        const current = tabStop === child;
        return (
          <li
            key={child}
            role="treeitem"
            aria-label={entry.type === 'symlink' ? `${entry.name} (link)` : entry.name}
            aria-level={level}
            aria-expanded={isDir ? isOpen : undefined}
            aria-selected={opened?.path === child}
            data-path={child}
            data-dir={isDir ? '1' : undefined}
            tabIndex={current ? 0 : -1}
            className={`file-tree-item file-tree-${entry.type}`}
            onClick={(event) => {
              event.stopPropagation();
              activate(child, entry);
            }}
          >
            <span aria-hidden="true">
              {isDir ? (isOpen ? '▾ ' : '▸ ') : '  '}
              {entry.name}
              {isDir ? '/' : ''}
            </span>
            {isOpen && <ul role="group">{renderFolder(child, level + 1)}</ul>}
          </li>
        );
      }),
      ...(folder.truncated
        ? [
            <li key="more" role="none" className="file-tree-empty">
              (more files: list them in the terminal)
            </li>,
          ]
        : []),
    ];
  };

  return (
    <div className="file-editor">
      {machines.length > 1 && (
        <div className="file-editor-machine">
          <label htmlFor={machineId}>Machine</label>
          {/* Not while a file is being opened or saved, whose answer belongs to the machine shown. */}
          <select
            id={machineId}
            value={machine}
            disabled={busy}
            onChange={(event) => pickMachine(event.target.value)}
          >
            {machines.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </div>
      )}
      <div className="file-editor-tree">
        <div className="file-editor-tree-head">
          <span>{HOME}</span>
          <button type="button" className="button" onClick={() => void refresh(false)}>
            Refresh files
          </button>
        </div>
        <ul role="tree" aria-label="Files" ref={tree} onKeyDown={onTreeKey} className="file-tree">
          {renderFolder(HOME, 1)}
        </ul>
      </div>
      <div className="file-editor-main">
        <div className="file-editor-toolbar">
          <span className="file-editor-path">
            {opened
              ? `${opened.path}${gone === opened.path ? ' (deleted in the terminal)' : ''}${dirty ? ' (unsaved)' : ''}`
              : 'Open a file from the list.'}
          </span>
          <button
            type="button"
            className="button"
            onClick={() => void save()}
            disabled={!opened || opened.readOnly || busy}
          >
            Save
          </button>
          <button type="button" className="button" onClick={reload} disabled={!opened || busy}>
            Reload
          </button>
        </div>
        {opened?.readOnly && (
          <p className="file-editor-banner" role="note">
            Read-only: {opened.reason}
          </p>
        )}
        {problem && (
          <p className="file-editor-problem" role="alert">
            {problem.message}
          </p>
        )}
        <p className="visually-hidden" role="status">
          {status}
        </p>
        {opened && (
          <Suspense fallback={<p>Loading the editor…</p>}>
            <FileCodeView
              document={opened.document}
              language={languageFor(opened.path)}
              readOnly={opened.readOnly}
              onChange={(value) => {
                text.current = value;
                setDirty(true);
              }}
              onSave={() => void save()}
              onReady={onReady}
            />
          </Suspense>
        )}
      </div>
    </div>
  );
}
