import { apiRequest } from './api.ts';

/** One exercise of a roster row: `passed` or `not_started` today; the live roster adds more states. */
export interface RosterExercise {
  state: string;
  attempts?: number;
  lastMessage?: string | null;
}

/** One learner of a class's roster (`GET /api/classes/{id}/roster`). */
export interface RosterLearner {
  id: string;
  name: string;
  machine: { state: string; lesson: string | null } | null;
  lesson: string | null;
  /** Per `<lesson>/<exercise>` of the class's lessons. */
  exercises: Record<string, RosterExercise>;
}

export interface Roster {
  learners: RosterLearner[];
}

/** A class as its instructor sees it in the list (`GET /api/classes`). */
export interface ClassSummary {
  id: string;
  name: string;
  code: string;
  joinUrl: string;
  lessons: string[] | null;
  capacity: number;
  learners: number;
  startsAt: string | null;
  endsAt: string | null;
  prewarm: number;
  createdAt: string;
  endedAt: string | null;
  over: boolean;
}

/** What an instructor asks for when creating a class (`POST /api/classes`). */
export interface NewClass {
  name: string;
  capacity: number;
  lessons?: string[];
  startsAt?: string;
  endsAt?: string;
  prewarm?: number;
}

/** Signs the instructor in: the server sets the `dockyard_instructor` cookie. */
export async function signIn(username: string, password: string): Promise<void> {
  await apiRequest('/api/instructor/login', { method: 'POST', body: { username, password } });
}

export async function signOut(): Promise<void> {
  await apiRequest('/api/instructor/logout', { method: 'POST' });
}

/** The signed-in instructor's classes, newest first (a 401 when nobody is signed in). */
export async function listClasses(): Promise<ClassSummary[]> {
  return (await apiRequest<{ classes: ClassSummary[] }>('/api/classes')).classes;
}

export function createClass(input: NewClass): Promise<{ id: string; code: string; joinUrl: string }> {
  return apiRequest('/api/classes', { method: 'POST', body: input });
}

export async function endClass(id: string): Promise<void> {
  await apiRequest(`/api/classes/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

export function getRoster(id: string): Promise<Roster> {
  return apiRequest(`/api/classes/${encodeURIComponent(id)}/roster`);
}

/** Puts this browser's learner in the class of the code, under the name they gave. */
export function joinClass(code: string, name: string): Promise<{ classId: string; name: string }> {
  return apiRequest('/api/classes/join', { method: 'POST', body: { code, name } });
}
