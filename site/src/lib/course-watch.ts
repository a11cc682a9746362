import path from 'node:path';
import { formatLessonIssue, type LessonIssue } from '../../../engine/src/index.ts';

// The pure parts of `npm run lessons -- dev`: which file changes reload the lessons, which pages
// stay while their lesson is broken, and how the problems read on the page.

/** The files of a lesson folder the catalogue reads (everything else, e.g. `app/`, is the author's own). */
const lessonFiles = new Set(['lesson.mdx', 'exercises.yaml']);

/**
 * True when a change at `changed` (a watcher path) can change the course: a lesson folder added or
 * removed, or a folder's `lesson.mdx` or `exercises.yaml`. Not the CLI's own files beside the
 * lessons, nor an example app inside a lesson folder.
 */
export function isLessonSource(changed: string, lessonsDir: string): boolean {
  const relative = path.relative(path.resolve(lessonsDir), path.resolve(changed));
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return false;
  const parts = relative.split(path.sep);
  if (parts.length === 1) return !path.extname(parts[0]!);
  return parts.length === 2 && lessonFiles.has(parts[1]!);
}

/** The lesson folder (e.g. `01-first-container`) an issue is about, or undefined for none. */
export function issueFolder(issue: LessonIssue, lessonsDir: string): string | undefined {
  // The engine names files relative to the folder that holds the lessons folder.
  const file = path.resolve(path.dirname(path.resolve(lessonsDir)), issue.file);
  const relative = path.relative(path.resolve(lessonsDir), file);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return undefined;
  return relative.split(path.sep)[0];
}

/**
 * The pages to drop after a reload: those whose lesson is gone. A lesson that now has problems keeps
 * its last good page, so the author editing it does not land on a 404 at every typo.
 */
export function pagesToDrop(
  shown: Iterable<string>,
  loaded: Iterable<string>,
  issues: LessonIssue[],
  lessonsDir: string,
): string[] {
  const keep = new Set(loaded);
  for (const issue of issues) {
    const folder = issueFolder(issue, lessonsDir);
    if (folder !== undefined) keep.add(folder);
  }
  return [...shown].filter((folder) => !keep.has(folder));
}

/** One problem as the page and the terminal show it: `npm run lessons -- validate`'s line. */
export interface LessonProblem {
  text: string;
  file: string;
  line: number;
}

export function lessonProblems(issues: LessonIssue[]): LessonProblem[] {
  return issues.map((issue) => ({ text: formatLessonIssue(issue), file: issue.file, line: issue.line }));
}

/** `1 problem found.` / `3 problems found.`, as `npm run lessons -- validate` ends its list. */
export function problemCount(count: number): string {
  return `${count} problem${count === 1 ? '' : 's'} found.`;
}

/**
 * Runs `task` one at a time: a call while it runs asks for one more run after it (a save often
 * comes as several watcher events), never two at once. Returns the run in progress.
 */
export function oneAtATime(task: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  let again = false;
  return () => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await task();
      } while (again);
    })().finally(() => {
      running = undefined;
    });
    return running;
  };
}
