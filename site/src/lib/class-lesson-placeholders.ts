// The placeholders of a class lesson's page, as the server renders it (engine/src/pages/render-page.ts):
// empty `<div data-dockyard="run" data-command="…">` and the like, which the page fills with the
// course's own author components (ClassLessonHtml), and `<aside data-dockyard="hint">`, which holds
// Markdown and becomes a collapsed hint. Only reads attributes, so the class lesson page and an
// instructor's live preview can share it, and a spec can run it on a stand-in for the DOM.

/** What one placeholder asks for, read from its attributes. */
export type Placeholder =
  | { kind: 'run'; command: string }
  | { kind: 'copy'; text: string }
  | { kind: 'exercise'; id: string }
  | { kind: 'quiz'; id: string }
  | { kind: 'preview'; port: number }
  | { kind: 'hint' };

export type PlaceholderKind = Placeholder['kind'];

/** What the lookup reads of an element: a DOM Element has it, and so can a stand-in. */
export interface PlaceholderElement {
  tagName: string;
  getAttribute(name: string): string | null;
}

/** What the lookup searches: a DOM element or fragment has it. */
export interface PlaceholderRoot<E extends PlaceholderElement> {
  querySelectorAll(selector: string): ArrayLike<E>;
}

/** A placeholder found in the page, and the element to fill. */
export interface FoundPlaceholder<E extends PlaceholderElement = Element> {
  element: E;
  placeholder: Placeholder;
}

/** Every element the renderer marks; `readPlaceholder` sorts out what it knows. */
export const placeholderSelector = '[data-dockyard]';

/** The placeholder an element stands for, or undefined for anything else (an unknown kind, a bad port…). */
export function readPlaceholder(element: PlaceholderElement): Placeholder | undefined {
  const kind = element.getAttribute('data-dockyard');
  const tag = element.tagName.toLowerCase();
  // The renderer writes a hint as an <aside> and every other kind as a <div>, as its sanitiser allows.
  if (tag !== (kind === 'hint' ? 'aside' : 'div')) return undefined;
  const attribute = (name: string) => element.getAttribute(name) ?? '';
  switch (kind) {
    case 'run': {
      const command = attribute('data-command');
      return command ? { kind, command } : undefined;
    }
    case 'copy': {
      const text = attribute('data-text');
      return text ? { kind, text } : undefined;
    }
    case 'exercise':
    case 'quiz': {
      const id = attribute('data-id');
      return id ? { kind, id } : undefined;
    }
    case 'preview': {
      const value = attribute('data-port');
      const port = /^\d{1,5}$/.test(value) ? Number(value) : 0;
      return port >= 1 && port <= 65535 ? { kind, port } : undefined;
    }
    case 'hint':
      return { kind };
    default:
      return undefined;
  }
}

/** The placeholders under `root`, in document order (a hint's own placeholders after the hint). */
export function findPlaceholders<E extends PlaceholderElement>(
  root: PlaceholderRoot<E>,
): FoundPlaceholder<E>[] {
  const found: FoundPlaceholder<E>[] = [];
  for (const element of Array.from(root.querySelectorAll(placeholderSelector))) {
    const placeholder = readPlaceholder(element);
    if (placeholder) found.push({ element, placeholder });
  }
  return found;
}

/** The exercise and quiz ids the page places, so the page can show the others after it. */
export function placedIds(found: readonly { placeholder: Placeholder }[]): {
  exercises: Set<string>;
  quizzes: Set<string>;
} {
  const exercises = new Set<string>();
  const quizzes = new Set<string>();
  for (const { placeholder } of found) {
    if (placeholder.kind === 'exercise') exercises.add(placeholder.id);
    if (placeholder.kind === 'quiz') quizzes.add(placeholder.id);
  }
  return { exercises, quizzes };
}
