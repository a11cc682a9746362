import type { ExerciseReport } from '../../../engine/src/contract.ts';
import { apiRequest } from './api.ts';
import { getSession } from './session.ts';

export type { CheckReport, ExerciseReport } from '../../../engine/src/contract.ts';

/** Asks the server to check one exercise against the learner's sandbox. */
export async function checkExercise(lesson: string, exercise: string): Promise<ExerciseReport> {
  const session = await getSession(lesson);
  const path = [session.id, 'exercises', lesson, exercise].map(encodeURIComponent).join('/');
  return apiRequest<ExerciseReport>(`/api/sessions/${path}/check`, { method: 'POST', token: session.token });
}
