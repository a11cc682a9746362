import * as pty from 'node-pty';
import type { WebSocket, RawData } from 'ws';
import { logger, logReference } from '../logger.ts';
import type { AttachCommand } from '../runtime/sandbox-runtime.ts';
import type { ServerControl } from '../../../engine/src/contract.ts';
import { showsSomeoneThere } from './activity.ts';
import { FlowControl, Utf8Joiner, WATCH_READ_ONLY, parseClientControl } from './terminal-protocol.ts';

/** Output is gathered for at most this long before a frame goes out, unless the user just typed. */
const BATCH_MS = 8;
const BATCH_MAX = 64 * 1024;

/**
 * Bridges one WebSocket to one terminal client (node-pty running `docker exec … tmux attach`).
 * The shell itself lives in tmux inside the sandbox, so closing this bridge never ends it.
 * `onActivity` is called when someone types or the page says it is in view (activity.ts), not for
 * as long as the socket is open: an open tab nobody looks at lets its session go idle.
 * A `readOnly` bridge (an instructor watching) writes no keystroke: each input frame is answered
 * with an error. `onInput` hears every keystroke frame that is written (an instructor helping).
 */
export function bridgeTerminal(
  socket: WebSocket,
  attach: AttachCommand,
  options: {
    sessionId: string;
    onActivity: () => void;
    pingIntervalMs?: number;
    readOnly?: boolean;
    onInput?: () => void;
    /** Called once the socket has closed and its attach client is killed (the server's cleanup). */
    onClose?: () => void;
  },
): void {
  const { sessionId } = options;
  const send = (msg: ServerControl) => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(msg));
  };
  let term: pty.IPty;
  try {
    term = pty.spawn(attach.file, attach.args, {
      name: 'xterm-256color',
      cols: 80,
      rows: 24,
      env: attach.env,
      encoding: null,
    });
  } catch (err) {
    logger.error({ sessionId, err }, 'the terminal client would not start');
    send({
      type: 'error',
      message: `The terminal could not be attached ${logReference(sessionId)}.`,
    });
    socket.close(1011, 'attach failed');
    return;
  }
  logger.info({ sessionId, pid: term.pid }, 'terminal attached');
  // Keystrokes wait until the attach client draws its first output: before that, tmux is still
  // setting the terminal up and would flush them away.
  let attached = false;
  let inputOpen = false;
  let pendingInput: Buffer[] = [];
  let wantedSize: { cols: number; rows: number } | undefined;

  const flow = new FlowControl(
    () => term.pause(),
    () => term.resume(),
  );
  let batch: Buffer[] = [];
  let batchSize = 0;
  let timer: NodeJS.Timeout | undefined;
  let typedRecently = false;

  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (batchSize === 0) return;
    const frame = batch.length === 1 ? batch[0]! : Buffer.concat(batch, batchSize);
    batch = [];
    batchSize = 0;
    if (socket.readyState !== socket.OPEN) return;
    socket.send(frame, { binary: true });
    flow.sent(frame.length);
  };

  const dataListener = term.onData((data: string | Buffer) => {
    if (!attached) {
      attached = true;
      send({ type: 'ready' });
      setTimeout(() => {
        // A resize before this point may have reached the docker CLI before it listened for
        // SIGWINCH; apply the latest one now that it does.
        if (wantedSize && (wantedSize.cols !== term.cols || wantedSize.rows !== term.rows)) {
          term.resize(wantedSize.cols, wantedSize.rows);
        }
        for (const input of pendingInput) term.write(input);
        pendingInput = [];
        inputOpen = true;
      }, 50);
    }
    const chunk = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    batch.push(chunk);
    batchSize += chunk.length;
    // Echo of a keystroke goes out at once so typing stays snappy; bulk output is batched.
    if (typedRecently || batchSize >= BATCH_MAX) {
      typedRecently = false;
      flush();
    } else if (!timer) {
      timer = setTimeout(flush, BATCH_MS);
    }
  });

  const exitListener = term.onExit(({ exitCode }) => {
    flush();
    logger.info({ sessionId, exitCode }, 'terminal client exited');
    send({ type: 'exit', code: exitCode });
    socket.close(1000, 'shell exited');
  });

  // A client that vanished without a close (a laptop lid, a dropped network) answers no ping: it
  // is dropped after two silent beats, so it neither holds the terminal nor keeps the session
  // alive. One late pong is forgiven: a client busy drawing a flood of output answers late.
  let answered = true;
  let silentBeats = 0;
  socket.on('pong', () => (answered = true));
  const heartbeat = setInterval(() => {
    silentBeats = answered ? 0 : silentBeats + 1;
    if (silentBeats >= 2) {
      logger.info({ sessionId }, 'terminal client did not answer two pings; dropping it');
      socket.terminate();
      return;
    }
    answered = false;
    socket.ping();
  }, options.pingIntervalMs ?? 30_000);

  const keystrokes = new Utf8Joiner();
  socket.on('message', (data: RawData, isBinary: boolean) => {
    const raw = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    if (isBinary) {
      if (options.readOnly) {
        send({ type: 'error', message: WATCH_READ_ONLY });
        return;
      }
      if (raw.length > 0) options.onInput?.();
      if (showsSomeoneThere({ type: 'input', bytes: raw.length })) options.onActivity();
      const buf = keystrokes.push(raw);
      if (buf.length === 0) return;
      typedRecently = true;
      if (inputOpen) term.write(buf);
      else if (pendingInput.length < 1000) pendingInput.push(buf);
      return;
    }
    const msg = parseClientControl(raw.toString('utf8'));
    if ('error' in msg) {
      send({ type: 'error', message: msg.error });
      return;
    }
    if (showsSomeoneThere(msg)) options.onActivity();
    if (msg.type === 'resize') {
      if (inputOpen) term.resize(msg.cols, msg.rows);
      else wantedSize = { cols: msg.cols, rows: msg.rows };
    } else if (msg.type === 'ack') flow.acked(msg.bytes);
  });

  socket.on('close', () => {
    clearInterval(heartbeat);
    if (timer) clearTimeout(timer);
    dataListener.dispose();
    exitListener.dispose();
    // Only the attach client dies; tmux keeps the shell for the next connection.
    try {
      term.kill();
    } catch {
      /* already gone */
    }
    logger.info({ sessionId }, 'terminal detached');
    options.onClose?.();
  });
  socket.on('error', (err) => logger.warn({ sessionId, err }, 'terminal socket error'));
}
