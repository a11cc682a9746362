import { apiRequest } from './api.ts';
import { getSession } from './session.ts';

export interface CheckResult {
  id: string;
  passed: boolean;
  message: string;
  hint?: string;
}

export interface ExerciseResult {
  passed: boolean;
  checks: CheckResult[];
}

/** Asks the server to check one exercise against the learner's sandbox. */
export async function checkExercise(lesson: string, exercise: string): Promise<ExerciseResult> {
  const session = await getSession(lesson);
  const path = [session.id, 'exercises', lesson, exercise].map(encodeURIComponent).join('/');
  return apiRequest<ExerciseResult>(`/api/sessions/${path}/check`, { method: 'POST', token: session.token });
}
