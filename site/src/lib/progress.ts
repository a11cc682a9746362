// The learner's progress as the server records it (`GET /api/progress`, keyed by an HttpOnly cookie),
// shared by every island and script of a page. Passes seen on this page are merged in at once.

import { apiRequest } from './api.ts';

export type Progress = Record<string, Set<string>>;
type Listener = (progress: Progress) => void;

const progress: Progress = {};
const listeners = new Set<Listener>();
let loaded: Promise<void> | undefined;

function notify(): void {
  for (const listener of listeners) listener(progress);
}

function load(): Promise<void> {
  loaded ??= apiRequest<{ lessons: Record<string, { passed: string[] }> }>('/api/progress')
    .then(({ lessons }) => {
      for (const [slug, { passed }] of Object.entries(lessons)) {
        const items = (progress[slug] ??= new Set());
        for (const id of passed) items.add(id);
      }
      notify();
    })
    .catch(() => {
      // Progress is a nicety: without it the page still works.
      loaded = undefined;
    });
  return loaded;
}

/** Calls `listener` with the progress now and after every change; returns the unsubscribe function. */
export function subscribeProgress(listener: Listener): () => void {
  listeners.add(listener);
  listener(progress);
  void load();
  return () => listeners.delete(listener);
}

/** Records a pass the server has just confirmed (a passed check, a right answer). */
export function markPassed(lesson: string, item: string): void {
  (progress[lesson] ??= new Set()).add(item);
  notify();
}

/** Progress items of a lesson: its exercise and quiz ids, as `GET /api/progress` lists them. */
export function progressItems(lesson: {
  exercises: readonly { id: string }[];
  quizzes: readonly { id: string }[];
}): string[] {
  return [...lesson.exercises.map((e) => e.id), ...lesson.quizzes.map((q) => q.id)];
}

/** How a lesson's progress mark reads: "✓" when every item passed, "2/3" when some did, nothing before. */
export interface ProgressMarkView {
  state: 'none' | 'partial' | 'done';
  /** What the mark shows (hidden from screen readers). */
  visible: string;
  /** What a screen reader says, and the mark's tooltip. */
  spoken: string;
}

/** The mark of a lesson whose progress items (exercise and quiz ids) are `items`. */
export function progressMark(
  passed: ReadonlySet<string> | undefined,
  items: readonly string[],
): ProgressMarkView {
  const count = passed?.size ? items.filter((id) => passed.has(id)).length : 0;
  if (count === 0) return { state: 'none', visible: '', spoken: '' };
  if (count === items.length) return { state: 'done', visible: '✓', spoken: 'Done' };
  return {
    state: 'partial',
    visible: `${count}/${items.length}`,
    spoken: `${count} of ${items.length} done`,
  };
}
