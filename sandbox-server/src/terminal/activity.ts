import type { ClientControl } from '../../../engine/src/contract.ts';

/** A frame from the terminal's client: keystrokes (a binary frame of `bytes`) or a control message. */
export type ClientFrame = { type: 'input'; bytes: number } | ClientControl;

/**
 * Whether a client frame shows that someone is at the terminal, typing or reading: a keystroke, or
 * the page saying it is visible (`active`, once a minute). An open socket alone is not: a tab left
 * open overnight acknowledges output and answers pings without anyone there, and must not keep a
 * machine from the next learner.
 */
export function showsSomeoneThere(frame: ClientFrame): boolean {
  switch (frame.type) {
    case 'input':
      return frame.bytes > 0;
    case 'active':
      return true;
    case 'ack':
    case 'resize':
      return false;
  }
}
