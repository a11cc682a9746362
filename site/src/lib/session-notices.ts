import { ApiError } from './api.ts';

/** Something the learner should be told about the session they had, e.g. why it was stopped. */
export interface SessionNotice {
  code: string;
  message: string;
}

/** The codes of a session's end that the learner is told about when they come back (docs/api.md). */
const toldCodes = new Set(['session_idle', 'class_ended', 'host_down']);

const listeners = new Set<(notice: SessionNotice) => void>();
/** A notice that came before anyone listened: the first listener gets it. */
let pending: SessionNotice | undefined;

/**
 * Listens for notices about the learner's session (the terminal prints them). Each notice is given
 * once; one that came before any listener is given to the first. Returns the way to stop listening.
 */
export function onSessionNotice(listener: (notice: SessionNotice) => void): () => void {
  listeners.add(listener);
  if (pending) {
    const notice = pending;
    pending = undefined;
    listener(notice);
  }
  return () => listeners.delete(listener);
}

/**
 * Called with the error the server answered for the session the page had (session.ts, before it
 * starts a fresh one): an end the learner should hear about (a machine stopped for idleness) is
 * passed on; any other error is ignored.
 */
export function reportSessionEnded(error: unknown): void {
  if (!(error instanceof ApiError) || error.status !== 404 || !error.code || !toldCodes.has(error.code))
    return;
  const notice = { code: error.code, message: error.message };
  if (listeners.size === 0) pending = notice;
  for (const listener of listeners) listener(notice);
}
