// Placeholders such as {{hub.username}} in lesson text and commands, filled in the page once the
// server knows their value (the learner's hub account). Until then they read as <your-username>.

import {
  placeholderFallbacks as fallbacks,
  placeholderPattern as PLACEHOLDER,
  type PlaceholderName as VarName,
  type PlaceholderValues,
} from '../../../engine/src/contract.ts';
import { apiRequest } from './api.ts';
import { splitPlaceholders } from './placeholder-text.ts';
import { getSession } from './session.ts';

export type { PlaceholderName as VarName } from '../../../engine/src/contract.ts';
export type LessonVars = Partial<PlaceholderValues>;

let vars: LessonVars = {};
let loading: Promise<void> | undefined;
const listeners = new Set<(vars: LessonVars) => void>();

/** The text with every placeholder replaced by its value, or by a readable stand-in while unknown. */
export function substitute(text: string, values: LessonVars = vars): string {
  return text.replace(PLACEHOLDER, (_match, name: VarName) => values[name] ?? fallbacks[name]);
}

/** The stand-in shown for a placeholder whose value is not known (yet). */
export function fallbackOf(name: string): string {
  return fallbacks[name as VarName] ?? `{{${name}}}`;
}

/** Puts each known value in its `<span data-var="…">`; spans of values still unknown keep their stand-in. */
export function fillVarSpans(spans: Iterable<HTMLElement>, values: LessonVars): void {
  for (const span of spans) {
    const value = values[span.dataset.var as VarName];
    if (value !== undefined) span.textContent = value;
  }
}

/**
 * Turns every placeholder in the text under `root` into `<span data-var="…">` holding its stand-in,
 * as the build does for course lessons (lesson-placeholders.ts), and returns the spans to fill.
 */
export function markVarSpans(root: Element): HTMLElement[] {
  const doc = root.ownerDocument;
  const walker = doc.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const texts: Text[] = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode())
    if (node instanceof Text && hasPlaceholder(node.data)) texts.push(node);
  const spans: HTMLElement[] = [];
  for (const text of texts) {
    const parts = splitPlaceholders(text.data).map((part) => {
      if (typeof part === 'string') return doc.createTextNode(part);
      const span = doc.createElement('span');
      span.dataset.var = part.name;
      span.textContent = fallbackOf(part.name);
      spans.push(span);
      return span;
    });
    text.replaceWith(...parts);
  }
  return spans;
}

/** Whether a text contains a placeholder (so the page needs the session to fill it). */
export function hasPlaceholder(text: string): boolean {
  return new RegExp(PLACEHOLDER.source).test(text);
}

/** Loads the values once per page (`GET /api/sessions/{id}/hub`); listeners hear the answer. */
export function subscribeLessonVars(lesson: string, listener: (vars: LessonVars) => void): () => void {
  listeners.add(listener);
  listener(vars);
  loading ??= getSession(lesson)
    .then((session) =>
      apiRequest<{ username?: unknown }>(`/api/sessions/${encodeURIComponent(session.id)}/hub`, {
        token: session.token,
      }),
    )
    .then((hub) => {
      if (typeof hub.username !== 'string') return;
      vars = { ...vars, 'hub.username': hub.username };
      for (const l of listeners) l(vars);
    })
    .catch(() => {
      // No hub (yet): the stand-in stays, and the commands still read well.
    });
  return () => listeners.delete(listener);
}
