import { ApiError, apiRequest } from './api.ts';
import { reportSessionEnded } from './session-notices.ts';

/** The learner's sandbox session: one per learner, shared by every lesson. */
export interface Session {
  id: string;
  token: string;
  expiresAt: string;
}

interface SessionState {
  state: 'starting' | 'ready' | 'failed';
}

const storageKey = 'dockyard.session';

let current: Promise<Session> | undefined;

/**
 * Returns the learner's session: the stored one while the server still knows it, else a new one.
 * Concurrent callers (terminal, exercise cards) share one request.
 */
export function getSession(lesson?: string): Promise<Session> {
  current ??= resolveSession(lesson).catch((error: unknown) => {
    current = undefined;
    throw error;
  });
  return current;
}

/** Forgets the in-memory answer so the next getSession asks the server again (e.g. after a dropped socket). */
export function revalidateSession(): void {
  current = undefined;
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

async function resolveSession(lesson?: string): Promise<Session> {
  const stored = readStoredSession();
  if (stored && (await isUsable(stored))) return stored;
  let answer = await apiRequest<Session | Queued>('/api/sessions', {
    method: 'POST',
    body: lesson ? { lesson } : {},
  });
  try {
    // Every machine is taken: wait in line, asking again (the heartbeat) until one is ours.
    while ('queued' in answer) {
      const place = { position: answer.position, estimatedWaitSeconds: answer.estimatedWaitSeconds };
      for (const listener of lineListeners) listener(place);
      await new Promise((resolve) => setTimeout(resolve, lineCallMs));
      answer = await apiRequest<Session | Queued>('/api/sessions', {
        method: 'POST',
        body: { ticket: answer.ticket },
      });
    }
  } finally {
    for (const listener of lineListeners) listener(undefined);
  }
  storeSession(answer);
  return answer;
}

async function isUsable(session: Session): Promise<boolean> {
  if (Date.parse(session.expiresAt) <= Date.now()) return false;
  try {
    const state = await apiRequest<SessionState>(`/api/sessions/${encodeURIComponent(session.id)}`, {
      token: session.token,
    });
    return state.state !== 'failed';
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
 * Throws the learner's machine away (everything in it is lost; progress, kept by the server per
 * learner, is not). The next getSession starts a fresh one.
 */
export async function discardSession(): Promise<void> {
  const stored = readStoredSession();
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
    localStorage.removeItem(storageKey);
  } catch {
    // Storage unavailable: nothing was stored.
  }
  current = undefined;
}

function readStoredSession(): Session | undefined {
  try {
    const value: unknown = JSON.parse(localStorage.getItem(storageKey) ?? 'null');
    if (isSession(value)) return value;
  } catch {
    // Storage unavailable or corrupt: behave as if nothing was stored.
  }
  return undefined;
}

function storeSession(session: Session): void {
  try {
    localStorage.setItem(
      storageKey,
      JSON.stringify({ id: session.id, token: session.token, expiresAt: session.expiresAt }),
    );
  } catch {
    // Private browsing may refuse storage; the session still works for this page.
  }
}

function isSession(value: unknown): value is Session {
  if (typeof value !== 'object' || value === null) return false;
  const { id, token, expiresAt } = value as Record<string, unknown>;
  return typeof id === 'string' && typeof token === 'string' && typeof expiresAt === 'string';
}
