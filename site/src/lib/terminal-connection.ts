import type { ClientControl, ServerControl } from '../../../engine/src/contract.ts';
import { apiRequest } from './api.ts';
import { firstMachine } from './lesson-machines.ts';
import type { Session } from './session.ts';

/** What the terminal should tell the learner about its connection. */
export type ConnectionStatus =
  | { kind: 'starting' }
  | { kind: 'ready' }
  | { kind: 'reconnecting' }
  | { kind: 'exited'; code: number | undefined }
  | { kind: 'failed'; message: string };

export interface TerminalConnectionOptions {
  /**
   * The path (and query) of the terminal WebSocket to open, resolved before every (re)connect:
   * `revalidate` is true after a failure. A learner's comes from `learnerTerminalPath`; an
   * instructor watching a learner names the class route, which their cookie authorises.
   */
  socketPath: (options: { revalidate: boolean }) => Promise<string>;
  /** Render output bytes and call `rendered` once they are on screen (xterm's write callback). */
  write: (bytes: Uint8Array, rendered: () => void) => void;
  /** The terminal size to report when a socket opens. */
  size: () => { cols: number; rows: number };
  onStatus: (status: ConnectionStatus) => void;
  /** A `{"type":"error"}` frame from the server, in words. */
  onServerError: (message: string) => void;
  /** A `{"type":"helper"}` frame: an instructor is typing in this terminal (true) or stopped. */
  onHelper?: (typing: boolean) => void;
  describeError: (error: unknown) => string;
  /** Whether the page is in view (`document.visibilityState === 'visible'`). */
  isVisible: () => boolean;
}

/**
 * The learner's own terminal: the session `getSession` resolves, opened with a one-use ticket in
 * the URL rather than the token, as URLs end up in proxies' access logs.
 */
export function learnerTerminalPath(
  getSession: (options: { revalidate: boolean }) => Promise<Session>,
  /** The terminal tab (its own shell); tab 1 when unset. */
  tab = 1,
  /** The session's machine the shell runs on; the first (`node1`) when unset. */
  machine = firstMachine,
): TerminalConnectionOptions['socketPath'] {
  return async (options) => {
    const session = await getSession(options);
    const id = encodeURIComponent(session.id);
    const { ticket } = await apiRequest<{ ticket: string }>(`/api/sessions/${id}/terminal-ticket`, {
      method: 'POST',
      token: session.token,
    });
    const query =
      (machine === firstMachine ? '' : `&machine=${encodeURIComponent(machine)}`) +
      (tab === 1 ? '' : `&tab=${tab}`);
    return `/api/sessions/${id}/terminal?ticket=${encodeURIComponent(ticket)}${query}`;
  };
}

/** A server control frame, read defensively: any field but `type` may be missing. */
type Loose<Control> = Control extends { type: string } ? Partial<Control> & Pick<Control, 'type'> : never;
type ServerMessage = Loose<ServerControl>;

/** Acknowledge rendered output in steps of at least this many bytes (docs/api.md, flow control). */
const ackStep = 16 * 1024;
/** Acknowledge the remainder once output has been quiet this long. */
const ackQuietMs = 100;
const backoffMs = [500, 1000, 2000, 4000, 8000];
/** While the page is in view, it tells the server so this often, keeping the session from going idle. */
export const activeEveryMs = 60_000;
/** Input goes out in frames of at most this many bytes: the server closes on frames over 1 MiB. */
export const inputFrameBytes = 64 * 1024;

/**
 * The terminal WebSocket of one session: binary frames for bytes, JSON text frames for control,
 * acknowledgements for flow control, and reconnection with backoff (the shell survives in tmux).
 */
export class TerminalConnection {
  private socket: WebSocket | undefined;
  private generation = 0;
  private failures = 0;
  private everAttached = false;
  private exited = false;
  private disposed = false;
  private unacknowledged = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private ackTimer: ReturnType<typeof setTimeout> | undefined;
  private activeTimer: ReturnType<typeof setInterval> | undefined;
  private readonly encoder = new TextEncoder();

  constructor(private readonly options: TerminalConnectionOptions) {}

  /** Opens the socket (again). Safe to call after an exit or a failure. */
  connect(): void {
    this.closeSocket();
    this.exited = false;
    const generation = ++this.generation;
    this.options.onStatus(this.everAttached ? { kind: 'reconnecting' } : { kind: 'starting' });
    this.options
      .socketPath({ revalidate: this.failures > 0 })
      .then((path) => {
        if (generation === this.generation && !this.disposed) this.open(path, generation);
      })
      .catch((error: unknown) => {
        if (generation !== this.generation || this.disposed) return;
        this.failures++;
        if (this.everAttached) this.scheduleReconnect();
        else this.options.onStatus({ kind: 'failed', message: this.options.describeError(error) });
      });
  }

  /**
   * Starts over on a new machine: drops the socket, lets `discard` throw the old machine away, then
   * attaches to whatever the session resolver gives next. If `discard` fails, the learner is told
   * and the terminal goes back to the machine they had.
   */
  async startOver(discard: () => Promise<void>): Promise<void> {
    this.generation++;
    clearTimeout(this.retryTimer);
    this.closeSocket();
    this.everAttached = false;
    this.failures = 0;
    this.options.onStatus({ kind: 'starting' });
    try {
      await discard();
    } catch (error) {
      this.options.onServerError(this.options.describeError(error));
    }
    if (!this.disposed) this.connect();
  }

  get hasExited(): boolean {
    return this.exited;
  }

  /** Sends keystrokes as UTF-8 bytes; returns false when there is no open socket. */
  sendInput(text: string): boolean {
    if (this.socket?.readyState !== WebSocket.OPEN || this.exited) return false;
    // A large paste goes in several frames, in order; the shell sees the bytes joined again.
    const bytes = this.encoder.encode(text);
    for (let at = 0; at < bytes.length; at += inputFrameBytes)
      this.socket.send(bytes.subarray(at, at + inputFrameBytes));
    return true;
  }

  resize(cols: number, rows: number): void {
    this.sendControl({ type: 'resize', cols, rows });
  }

  /**
   * Call on the page's `visibilitychange`: a page back in view tells the server at once that
   * someone is there. A hidden one says nothing, so its session may go idle and be reaped.
   */
  visibilityChanged(): void {
    this.sayActive();
  }

  dispose(): void {
    this.disposed = true;
    this.generation++;
    clearTimeout(this.retryTimer);
    this.closeSocket();
  }

  private open(path: string, generation: number): void {
    const protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(`${protocol}//${location.host}${path}`);
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    this.unacknowledged = 0;

    socket.addEventListener('open', () => {
      const { cols, rows } = this.options.size();
      this.resize(cols, rows);
      clearInterval(this.activeTimer);
      this.activeTimer = setInterval(() => this.sayActive(), activeEveryMs);
    });
    socket.addEventListener('message', (event: MessageEvent<ArrayBuffer | string>) => {
      if (generation !== this.generation) return;
      const data = event.data;
      if (typeof data === 'string') this.handleControl(data);
      else this.options.write(new Uint8Array(data), () => this.acknowledge(data.byteLength, generation));
    });
    socket.addEventListener('close', () => {
      if (generation !== this.generation || this.disposed) return;
      this.socket = undefined;
      clearInterval(this.activeTimer);
      if (this.exited) return; // wait for the learner to press Enter
      this.failures++;
      this.scheduleReconnect();
    });
  }

  private handleControl(text: string): void {
    let message: ServerMessage;
    try {
      message = JSON.parse(text) as ServerMessage;
    } catch {
      return;
    }
    if (message.type === 'ready') {
      this.failures = 0;
      this.everAttached = true;
      this.options.onStatus({ kind: 'ready' });
    } else if (message.type === 'exit') {
      this.exited = true;
      this.flushAck();
      this.options.onStatus({ kind: 'exited', code: message.code });
    } else if (message.type === 'error') {
      this.options.onServerError(message.message ?? 'The terminal reported an error.');
    } else if (message.type === 'helper') {
      this.options.onHelper?.(message.typing === true);
    }
  }

  private scheduleReconnect(): void {
    this.options.onStatus({ kind: 'reconnecting' });
    clearTimeout(this.retryTimer);
    const delay = backoffMs[Math.min(this.failures, backoffMs.length - 1)] ?? 8000;
    this.retryTimer = setTimeout(() => this.connect(), delay + Math.random() * 250);
  }

  private acknowledge(bytes: number, generation: number): void {
    if (generation !== this.generation) return; // rendered output of a socket that is gone
    this.unacknowledged += bytes;
    clearTimeout(this.ackTimer);
    if (this.unacknowledged >= ackStep) this.flushAck();
    else this.ackTimer = setTimeout(() => this.flushAck(), ackQuietMs);
  }

  private flushAck(): void {
    clearTimeout(this.ackTimer);
    if (this.unacknowledged === 0) return;
    this.sendControl({ type: 'ack', bytes: this.unacknowledged });
    this.unacknowledged = 0;
  }

  /** An open socket alone keeps nothing alive (docs/api.md): the page says when someone may be reading. */
  private sayActive(): void {
    if (this.options.isVisible()) this.sendControl({ type: 'active' });
  }

  private sendControl(message: ClientControl): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  private closeSocket(): void {
    clearTimeout(this.ackTimer);
    clearInterval(this.activeTimer);
    const socket = this.socket;
    this.socket = undefined;
    if (socket && socket.readyState <= WebSocket.OPEN) socket.close();
  }
}
