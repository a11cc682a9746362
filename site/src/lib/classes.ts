import { apiRequest } from './api.ts';

/** Where a learner is on one exercise (docs/api.md, the roster). */
export type ExerciseState = 'not-started' | 'trying' | 'passed';

/** One exercise of a roster row. */
export interface RosterExercise {
  state: ExerciseState;
  /** Checks run on it in this class. */
  attempts: number;
  /** The latest check's first failure, or null once passed or before any check. */
  lastMessage: string | null;
  /** When the state began (ISO time), or null when unknown. */
  since: string | null;
}

/** One learner of a class's roster (`GET /api/classes/{id}/roster`). */
export interface RosterLearner {
  /** A hash of the learner's cookie: the handle the instructor's actions name. */
  id: string;
  name: string;
  machine: { state: string; lesson: string | null } | null;
  lesson: string | null;
  /** The exercise they are on (`<lesson>/<exercise>`) and since when. */
  current: { exercise: string; since: string } | null;
  /** Why they seem stuck, or null. */
  stuck: { reason: string } | null;
  /** Per `<lesson>/<exercise>` of the class's lessons. */
  exercises: Record<string, RosterExercise>;
}

/** How many learners are in each state of one exercise: the roster's bars. */
export interface ExerciseTally {
  passed: number;
  trying: number;
  notStarted: number;
}

export interface Roster {
  stuckMinutes: number;
  /** Stuck learners first, then in the order they joined. */
  learners: RosterLearner[];
  summary: Record<string, ExerciseTally>;
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

const learnerPath = (classId: string, learner: string, action: string) =>
  `/api/classes/${encodeURIComponent(classId)}/learners/${encodeURIComponent(learner)}/${action}`;

/** Shows a message as a banner on every open page of the class's learners. */
export async function broadcast(classId: string, message: string): Promise<void> {
  await apiRequest(`/api/classes/${encodeURIComponent(classId)}/broadcast`, {
    method: 'POST',
    body: { message },
  });
}

/** Runs a lesson's setup again in the learner's machine. */
export async function resetLesson(classId: string, learner: string, lesson: string): Promise<void> {
  await apiRequest(learnerPath(classId, learner, 'reset'), { method: 'POST', body: { lesson } });
}

/** Stops the learner's machine and starts it again (files kept). */
export async function restartMachine(classId: string, learner: string): Promise<void> {
  await apiRequest(learnerPath(classId, learner, 'restart'), { method: 'POST', body: {} });
}

/** Gives the learner's machine `minutes` more before it ends. */
export async function extendMachine(classId: string, learner: string, minutes: number): Promise<void> {
  await apiRequest(learnerPath(classId, learner, 'extend'), { method: 'POST', body: { minutes } });
}

/** The WebSocket path of a learner's terminal for their instructor (the cookie authorises it). */
export function learnerTerminalSocketPath(classId: string, learner: string, mode: 'watch' | 'help'): string {
  return `${learnerPath(classId, learner, 'terminal')}?mode=${mode}`;
}

/** Where the class's results download from. */
export function resultsCsvUrl(classId: string): string {
  return `/api/classes/${encodeURIComponent(classId)}/results.csv`;
}
