import type { ExerciseTally, Roster, RosterExercise } from './classes.ts';

/** A lesson of the course, as the instructor's pages name it and its exercises. */
export interface CourseLesson {
  slug: string;
  title: string;
  exercises: { id: string; title: string }[];
}

/** One exercise column of the roster's heatmap. */
export interface ExerciseColumn {
  /** `<lesson>/<exercise>`, the roster's key. */
  key: string;
  /** Short label for a narrow column: lesson number and exercise number, `3.2`. */
  label: string;
  /** `Lesson title: exercise title`. */
  title: string;
  lesson: string;
}

/**
 * The class's exercises in course order, numbered as the course numbers its lessons. The roster's
 * `summary` names the class's exercises; one it has that the course no longer does is left out.
 */
export function exerciseColumns(lessons: CourseLesson[], roster: Pick<Roster, 'summary'>): ExerciseColumn[] {
  return lessons.flatMap((lesson, l) =>
    lesson.exercises
      .map((exercise, e) => ({
        key: `${lesson.slug}/${exercise.id}`,
        label: `${l + 1}.${e + 1}`,
        title: `${lesson.title}: ${exercise.title}`,
        lesson: lesson.slug,
      }))
      .filter((column) => column.key in roster.summary),
  );
}

/** "just now", "7 min", "1 h 5 min": how long since `since`, for a roster read at a glance. */
export function timeSince(since: string | null, now: number): string {
  if (!since) return '';
  const minutes = Math.floor((now - Date.parse(since)) / 60_000);
  if (!Number.isFinite(minutes) || minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min`;
  const rest = minutes % 60;
  return `${Math.floor(minutes / 60)} h${rest ? ` ${rest} min` : ''}`;
}

/** What a heatmap cell says in its few characters: ✓ when passed, the failed checks while trying. */
export function cellText(cell: RosterExercise | undefined): string {
  if (!cell || cell.state === 'not-started') return '';
  if (cell.state === 'passed') return '✓';
  return cell.attempts > 0 ? `✗${cell.attempts}` : '…';
}

/** The whole story of a cell, for its tooltip and screen readers. */
export function cellDescription(column: ExerciseColumn, cell: RosterExercise | undefined): string {
  if (!cell || cell.state === 'not-started') return `${column.title}: not started`;
  if (cell.state === 'passed') return `${column.title}: passed`;
  const checks = `${cell.attempts} failed check${cell.attempts === 1 ? '' : 's'}`;
  return `${column.title}: trying, ${checks}${cell.lastMessage ? `. Last: ${cell.lastMessage}` : ''}`;
}

/** The exercise most of the room is trying and has not passed: the step to explain again. */
export function hardestExercise(
  columns: ExerciseColumn[],
  summary: Record<string, ExerciseTally>,
): ExerciseColumn | undefined {
  let best: ExerciseColumn | undefined;
  let most = 0;
  for (const column of columns) {
    const trying = summary[column.key]?.trying ?? 0;
    if (trying > most) [best, most] = [column, trying];
  }
  return most >= 2 ? best : undefined;
}
