import type { Roster } from './roster.ts';

/**
 * One CSV cell (RFC 4180): quoted when it holds a quote, comma or line break, quotes doubled. A
 * text starting with = + - @ (or a tab or carriage return) gets a leading ' so a spreadsheet shows
 * it rather than running it as a formula.
 */
export function csvCell(value: string | number): string {
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The class's results: one row per learner, their name, then each exercise's state and attempts. */
export function resultsCsv(roster: Roster, exercises: string[]): string {
  const header = ['name', ...exercises.flatMap((key) => [`${key} state`, `${key} attempts`])];
  const rows = roster.learners.map((learner) => [
    learner.name,
    ...exercises.flatMap((key) => {
      const cell = learner.exercises[key];
      return [cell?.state ?? 'not-started', cell?.attempts ?? 0];
    }),
  ]);
  return [header, ...rows].map((row) => row.map(csvCell).join(',') + '\r\n').join('');
}
