import type { Exercise } from './lesson-schema.ts';

// Lessons name per-learner values as `{{hub.username}}`. Only dotted names the caller supplies are
// replaced, so Go templates in checks (`docker ps --format '{{json .}}'`) pass through untouched.
const placeholder = /\{\{\s*([a-zA-Z][\w-]*(?:\.[a-zA-Z][\w-]*)+)\s*\}\}/g;

/** Replaces `{{name}}` placeholders whose name is in `vars`; leaves every other `{{…}}` as written. */
export function substituteVars(text: string, vars: Record<string, string>): string {
  return text.replace(placeholder, (whole, name: string) =>
    Object.hasOwn(vars, name) ? (vars[name] ?? '') : whole,
  );
}

/** A deep copy of `value` with placeholders substituted in every string it holds. */
export function withVars<T>(value: T, vars: Record<string, string>): T {
  if (Object.keys(vars).length === 0) return value;
  const walk = (item: unknown): unknown => {
    if (typeof item === 'string') return substituteVars(item, vars);
    if (Array.isArray(item)) return item.map(walk);
    if (typeof item === 'object' && item !== null)
      return Object.fromEntries(Object.entries(item).map(([key, inner]) => [key, walk(inner)]));
    return item;
  };
  return walk(value) as T;
}

/** The exercise with placeholders substituted in its setup, solve script and checks. */
export function exerciseWithVars(exercise: Exercise, vars: Record<string, string>): Exercise {
  return withVars(exercise, vars);
}
