import { scaffoldCommand, scaffoldExercises, scaffoldPageBody } from '../../../lessons/scaffold-text.ts';
import type { LessonDraft } from './class-exercises.ts';

/** A new class lesson: the course scaffold's page and exercise, which prove as they are. */
export const newLessonDraft: LessonDraft = {
  slug: '',
  page: `# My new lesson

${scaffoldPageBody({ run: `::run[${scaffoldCommand}]`, exercise: '::exercise{id=write-a-file}' })}`,
  exercises: scaffoldExercises,
};
