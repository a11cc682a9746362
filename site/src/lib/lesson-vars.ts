// Placeholders such as {{hub.username}} in lesson text and commands, filled in the page once the
// server knows their value (the learner's hub account). Until then they read as <your-username>.

import {
  placeholderFallbacks as fallbacks,
  placeholderPattern as PLACEHOLDER,
  type PlaceholderName as VarName,
  type PlaceholderValues,
} from '../../../engine/src/contract.ts';
import { apiRequest } from './api.ts';
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
