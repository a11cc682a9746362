import { parse } from 'yaml';

// The ids an exercises YAML defines, for the page's live preview: which `::exercise{id=…}` and
// `::quiz{id=…}` the page may name, and what their stand-ins show. The server validates the file
// properly; this only reads what it can.

export interface LessonIds {
  exercises: { id: string; title: string }[];
  quizzes: { id: string; question: string }[];
}

const entries = (value: unknown): Record<string, unknown>[] =>
  Array.isArray(value)
    ? value.filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null)
    : [];

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** The ids of the YAML, or undefined when it does not parse (keep the last good ones then). */
export function lessonIds(yaml: string): LessonIds | undefined {
  let doc: unknown;
  try {
    doc = parse(yaml, { maxAliasCount: 20 });
  } catch {
    return undefined;
  }
  const root = typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>) : {};
  const withId = (e: Record<string, unknown>) => typeof e.id === 'string';
  return {
    exercises: entries(root.exercises)
      .filter(withId)
      .map((e) => ({ id: e.id as string, title: text(e.title) ?? (e.id as string) })),
    quizzes: entries(root.quizzes)
      .filter(withId)
      .map((q) => ({ id: q.id as string, question: text(q.question) ?? (q.id as string) })),
  };
}
