/**
 * The terminal WebSocket protocol: binary frames carry raw terminal bytes both ways; small JSON
 * text frames carry control messages. See docs/api.md.
 */
import type { ClientControl, ServerControl } from '../../../engine/src/contract.ts';

const MAX_CONTROL_FRAME = 1024;

/** What a watching instructor's keystrokes get back: watch mode never writes to the terminal. */
export const WATCH_READ_ONLY = 'Watch mode is read-only.';

/** The learner's terminal is told whether an instructor is typing in it (see helper-presence.ts). */
export const helperNotice = (typing: boolean): ServerControl => ({ type: 'helper', typing });

/** Parses a client text frame; returns an error sentence instead of throwing for anything malformed. */
export function parseClientControl(text: string): ClientControl | { error: string } {
  if (text.length > MAX_CONTROL_FRAME)
    return { error: `Control frames are at most ${MAX_CONTROL_FRAME} bytes.` };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return {
      error: 'A text frame must be a JSON control message such as {"type":"resize","cols":80,"rows":24}.',
    };
  }
  if (typeof value !== 'object' || value === null)
    return { error: 'A control message must be a JSON object.' };
  const msg = value as Record<string, unknown>;
  const dim = (v: unknown) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 1000;
  switch (msg.type) {
    case 'resize':
      if (!dim(msg.cols) || !dim(msg.rows))
        return { error: 'resize needs integer "cols" and "rows" from 1 to 1000.' };
      return { type: 'resize', cols: msg.cols as number, rows: msg.rows as number };
    case 'ack':
      if (!Number.isInteger(msg.bytes) || (msg.bytes as number) < 0)
        return { error: 'ack needs a non-negative integer "bytes".' };
      return { type: 'ack', bytes: msg.bytes as number };
    case 'active':
      return { type: 'active' };
    default:
      return {
        error: `Unknown control message type ${JSON.stringify(msg.type)}; expected "resize", "ack" or "active".`,
      };
  }
}

/** Output flow control with watermarks: pause the source above `high` unacknowledged bytes, resume below `low`. */
export class FlowControl {
  private unacked = 0;
  private paused = false;

  constructor(
    private readonly pause: () => void,
    private readonly resume: () => void,
    readonly high = 256 * 1024,
    readonly low = 64 * 1024,
  ) {}

  sent(bytes: number): void {
    this.unacked += bytes;
    if (!this.paused && this.unacked > this.high) {
      this.paused = true;
      this.pause();
    }
  }

  acked(bytes: number): void {
    this.unacked = Math.max(0, this.unacked - bytes);
    if (this.paused && this.unacked < this.low) {
      this.paused = false;
      this.resume();
    }
  }

  get pending(): number {
    return this.unacked;
  }

  get isPaused(): boolean {
    return this.paused;
  }
}

/**
 * Keeps keystrokes whole across input frames: a UTF-8 character split between two frames is held
 * back until its last byte comes. `incus exec` relays input per read and loses a character cut in
 * two, so the pty is only ever written whole characters.
 */
export class Utf8Joiner {
  private carry: Buffer = Buffer.alloc(0);

  /** The bytes of this frame that end on a character boundary, after what was held back. */
  push(frame: Buffer): Buffer {
    const bytes = this.carry.length ? Buffer.concat([this.carry, frame]) : frame;
    const cut = completeLength(bytes);
    this.carry = bytes.subarray(cut);
    return bytes.subarray(0, cut);
  }
}

/** How many leading bytes form whole characters: a trailing lead byte whose sequence is short is left out. */
function completeLength(bytes: Buffer): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const byte = bytes[bytes.length - back]!;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needed > back ? bytes.length - back : bytes.length;
  }
  return bytes.length; // not UTF-8 text: pass it on as it is
}
