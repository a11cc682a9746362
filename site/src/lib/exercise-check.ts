import type { ExerciseReport } from '../../../engine/src/contract.ts';
import { apiRequest } from './api.ts';
import { getSession } from './session.ts';

export type { CheckReport, ExerciseReport } from '../../../engine/src/contract.ts';

/**
 * Asks the server to check one exercise against the learner's sandbox. `background`: the page
 * checks an `auto` exercise by itself; a failure then is not counted as the learner's attempt.
 */
export async function checkExercise(
  lesson: string,
  exercise: string,
  { background = false }: { background?: boolean } = {},
): Promise<ExerciseReport> {
  const session = await getSession(lesson);
  const path = [session.id, 'exercises', lesson, exercise].map(encodeURIComponent).join('/');
  return apiRequest<ExerciseReport>(`/api/sessions/${path}/check${background ? '?background=1' : ''}`, {
    method: 'POST',
    token: session.token,
  });
}
