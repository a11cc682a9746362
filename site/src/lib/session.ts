import { ApiError, apiRequest } from './api.ts';
import { machineNames, parseMachineCount } from './lesson-machines.ts';
import { reportSessionEnded } from './session-notices.ts';

/**
 * The learner's sandbox session: one per learner, shared by every lesson that wants one machine; a
 * lesson that wants several (`machines: 2` in its frontmatter) has a session of its own.
 */
export interface Session {
  id: string;
  token: string;
  expiresAt: string;
  /** The session's machines, e.g. `["node1", "node2"]`, on one private network. */
  machines: string[];
}

interface SessionState {
  state: 'starting' | 'ready' | 'failed';
}

const sharedKey = 'dockyard.session';

/**
 * Where a lesson's session is stored: the learner's one shared session for a lesson with one
 * machine, a key of the lesson's own for a lesson with several (no other lesson reuses it).
 */
export function sessionKey(lesson: string | undefined, machines: number): string {
  return machines > 1 && lesson ? `${sharedKey}.${lesson}` : sharedKey;
}

/** Whether a session has the machines a lesson asks for; one that does not is never reused for it. */
export function fitsLesson(session: Pick<Session, 'machines'>, machines: number): boolean {
  return session.machines.length === machines;
}

/** The lesson page's own lesson and its machine count, from its `<main data-lesson data-machines>`. */
function pageLesson(): { lesson: string; machines: number } | undefined {
  if (typeof document === 'undefined') return undefined;
  const main = document.querySelector<HTMLElement>('main[data-lesson]');
  const lesson = main?.dataset.lesson;
  return lesson ? { lesson, machines: parseMachineCount(main.dataset.machines) } : undefined;
}

/** In-memory answers by storage key: a page asks the server once, whichever island asks first. */
const current = new Map<string, Promise<Session>>();
/** A Fresh machine under way: sessions asked for meanwhile wait for it, so none reuses the old one. */
let discarding: Promise<unknown> = Promise.resolve();

/**
 * Returns the session for a lesson: the stored one while the server still knows it and it has the
 * machines the lesson wants, else a new one. Concurrent callers (terminal, exercise cards) share one
 * request. `lesson` defaults to the lesson page's own, and `machines` to what that page declares
 * (`<main data-lesson data-machines>`, from the frontmatter), so every island of a lesson page gets
 * the same session without being told its machine count.
 */
export function getSession(
  lesson: string | undefined = pageLesson()?.lesson,
  machines: number = lessonMachines(lesson),
): Promise<Session> {
  const key = sessionKey(lesson, machines);
  const known = current.get(key);
  if (known) return known;
  const answer = discarding
    .then(() => resolveSession(key, lesson, machines))
    .catch((error: unknown) => {
      if (current.get(key) === answer) current.delete(key);
      throw error;
    });
  current.set(key, answer);
  return answer;
}

/** The machine count the lesson page declares for `lesson`; 1 for any other lesson or page. */
function lessonMachines(lesson: string | undefined): number {
  const page = pageLesson();
  return page && page.lesson === lesson ? page.machines : 1;
}

/** Forgets the in-memory answers so the next getSession asks the server again (e.g. after a dropped socket). */
export function revalidateSession(): void {
  current.clear();
}

/** A place in the line for a machine, while every machine is taken (a 202 answer). */
export interface LinePlace {
  position: number;
  estimatedWaitSeconds: number;
}

interface Queued extends LinePlace {
  queued: true;
  ticket: string;
}

/** How often a waiting page asks again; each call also keeps its place (the server's grace is 30 s). */
const lineCallMs = 3000;
const lineListeners = new Set<(place: LinePlace | undefined) => void>();

/** Calls `listener` with the learner's place in line while they wait, and `undefined` once they are served. */
export function onLinePlace(listener: (place: LinePlace | undefined) => void): () => void {
  lineListeners.add(listener);
  return () => lineListeners.delete(listener);
}

/** A session as the server sends it: an older server does not name the machines. */
type SessionAnswer = Omit<Session, 'machines'> & { machines?: string[] };

async function resolveSession(key: string, lesson: string | undefined, machines: number): Promise<Session> {
  const stored = readStoredSession(key);
  if (stored && fitsLesson(stored, machines) && (await isUsable(stored, machines))) return stored;
  let answer = await apiRequest<SessionAnswer | Queued>('/api/sessions', {
    method: 'POST',
    body: lesson ? { lesson } : {},
  });
  try {
    // Every machine is taken: wait in line, asking again (the heartbeat) until one is ours.
    while ('queued' in answer) {
      const place = { position: answer.position, estimatedWaitSeconds: answer.estimatedWaitSeconds };
      for (const listener of lineListeners) listener(place);
      await new Promise((resolve) => setTimeout(resolve, lineCallMs));
      answer = await apiRequest<SessionAnswer | Queued>('/api/sessions', {
        method: 'POST',
        body: { ticket: answer.ticket },
      });
    }
  } finally {
    for (const listener of lineListeners) listener(undefined);
  }
  const session = { ...answer, machines: machineNames(answer.machines) };
  storeSession(key, session);
  return session;
}

async function isUsable(session: Session, machines: number): Promise<boolean> {
  if (Date.parse(session.expiresAt) <= Date.now()) return false;
  try {
    const state = await apiRequest<SessionState & { machines?: unknown }>(
      `/api/sessions/${encodeURIComponent(session.id)}`,
      { token: session.token },
    );
    return state.state !== 'failed' && machineNames(state.machines).length === machines;
  } catch (error) {
    // Unknown, foreign or expired session: start a new one. Other failures (503, offline) are reported,
    // so a passing hiccup does not throw away the learner's machine.
    if (error instanceof ApiError && [401, 403, 404].includes(error.status)) {
      // Reaped for idleness: the page says why before the fresh machine connects.
      reportSessionEnded(error);
      return false;
    }
    throw error;
  }
}

/**
 * Throws the lesson's session away, every machine of it (everything in them is lost; progress, kept
 * by the server per learner, is not). getSession, even one asked meanwhile, then starts a fresh one.
 * `lesson` and `machines` default as for getSession.
 */
export function discardSession(
  lesson: string | undefined = pageLesson()?.lesson,
  machines: number = lessonMachines(lesson),
): Promise<void> {
  const key = sessionKey(lesson, machines);
  current.delete(key);
  const done = discarding.then(() => deleteSession(key));
  discarding = done.catch(() => undefined);
  return done;
}

async function deleteSession(key: string): Promise<void> {
  const stored = readStoredSession(key);
  if (stored) {
    await apiRequest<void>(`/api/sessions/${encodeURIComponent(stored.id)}`, {
      method: 'DELETE',
      token: stored.token,
    }).catch((error: unknown) => {
      // Already gone is what we want; anything else (offline, 503) keeps the machine and says so.
      if (!(error instanceof ApiError && [401, 403, 404].includes(error.status))) throw error;
    });
  }
  try {
    localStorage.removeItem(key);
  } catch {
    // Storage unavailable: nothing was stored.
  }
}

/** The session stored under `key` (one stored before sessions named machines has one machine). */
export function readStoredSession(key: string, storage?: Pick<Storage, 'getItem'>): Session | undefined {
  try {
    const value: unknown = JSON.parse((storage ?? localStorage).getItem(key) ?? 'null');
    if (typeof value !== 'object' || value === null) return undefined;
    const { id, token, expiresAt, machines } = value as Record<string, unknown>;
    if (typeof id === 'string' && typeof token === 'string' && typeof expiresAt === 'string')
      return { id, token, expiresAt, machines: machineNames(machines) };
  } catch {
    // Storage unavailable or corrupt: behave as if nothing was stored.
  }
  return undefined;
}

export function storeSession(key: string, session: Session, storage?: Pick<Storage, 'setItem'>): void {
  const { id, token, expiresAt, machines } = session;
  try {
    (storage ?? localStorage).setItem(key, JSON.stringify({ id, token, expiresAt, machines }));
  } catch {
    // Private browsing may refuse storage; the session still works for this page.
  }
}
