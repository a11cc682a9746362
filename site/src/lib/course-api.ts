import type { QuizGrade } from '../../../engine/src/contract.ts';
import { apiRequest } from './api.ts';
import { getSession } from './session.ts';

export type { QuizGrade } from '../../../engine/src/contract.ts';

const sessionPath = (id: string, ...segments: string[]) =>
  `/api/sessions/${[id, ...segments].map(encodeURIComponent).join('/')}`;

/** Sends the chosen option indexes; the server grades them (answers never reach the page). */
export async function answerQuiz(lesson: string, quiz: string, answer: number[]): Promise<QuizGrade> {
  const session = await getSession(lesson);
  return apiRequest<QuizGrade>(sessionPath(session.id, 'quizzes', lesson, quiz), {
    method: 'POST',
    token: session.token,
    body: { answer },
  });
}

/** Runs the lesson's setup scripts in the learner's machine (again, when resetting). */
export async function runLessonSetup(lesson: string): Promise<{ sessionId: string; ran: boolean }> {
  const session = await getSession(lesson);
  const { ran } = await apiRequest<{ ran: boolean }>(sessionPath(session.id, 'lessons', lesson, 'setup'), {
    method: 'POST',
    token: session.token,
  });
  return { sessionId: session.id, ran };
}

/**
 * The preview URL of a port: an origin of the app's own where the server has a preview domain, else
 * the same-origin path, for which the server sets a cookie (an iframe cannot send the token).
 */
export async function openPreview(lesson: string, port: number): Promise<string> {
  const session = await getSession(lesson);
  // On localhost (or under DOCKYARD_PREVIEW_DOMAIN) the answer is an origin of the app's own.
  const { url } = await apiRequest<{ url: string }>(sessionPath(session.id, 'preview-ticket'), {
    method: 'POST',
    token: session.token,
    body: { port },
  });
  return url;
}
