import { apiRequest } from './api.ts';
import { getSession } from './session.ts';

/** The server's verdict on a quiz answer. */
export interface QuizGrade {
  correct: boolean;
  explanation: string;
}

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

/** Sets the preview cookie (an iframe cannot send the token) and returns the preview URL of a port. */
export async function openPreview(lesson: string, port: number): Promise<string> {
  const session = await getSession(lesson);
  const { url } = await apiRequest<{ url: string }>(sessionPath(session.id, 'preview-ticket'), {
    method: 'POST',
    token: session.token,
  });
  return `${url}${port}/`;
}
