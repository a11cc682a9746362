import type { IncomingMessage, ServerResponse } from 'node:http';
import { TooManyRequests } from '../http/api-error.ts';

/** One open server-sent-events response. */
export interface EventStream {
  /** Writes `event: <event>` with the JSON of `data`. */
  send(event: string, data: unknown): void;
  /** Writes a comment line: keeps proxies and the browser from dropping an idle stream. */
  comment(text: string): void;
  /** Ends the response (the client's EventSource would reconnect unless told otherwise). */
  close(): void;
}

/**
 * Answers the request with `text/event-stream` and keeps it open. `onClose` runs once, when the
 * client goes or the server closes it.
 */
export function openEventStream(req: IncomingMessage, res: ServerResponse, onClose: () => void): EventStream {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    // A reverse proxy (nginx) would otherwise hold the events back in its buffer.
    'x-accel-buffering': 'no',
  });
  req.socket.setNoDelay(true);
  // The browser reconnects 3 s after a drop.
  res.write('retry: 3000\n\n');
  let open = true;
  const done = () => {
    if (!open) return;
    open = false;
    onClose();
  };
  res.on('close', done);
  res.on('error', done);
  return {
    // JSON.stringify escapes newlines, so the data is one `data:` line.
    send: (event, data) => void (open && res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)),
    comment: (text) => void (open && res.write(`: ${text}\n\n`)),
    close: () => {
      if (!open) return;
      res.end();
      done();
    },
  };
}

/**
 * Bounds on open streams: at most `perKey` for one key (an instructor's sign-in, a learner) and
 * `total` in all. `take` refuses with a 429 past either, else answers the function that gives the
 * place back.
 */
export class StreamLimits {
  private readonly open = new Map<string, number>();
  private count = 0;

  constructor(
    private readonly perKey: number,
    private readonly total: number,
    private readonly words: { perKey: string; total: string },
  ) {}

  take(key: string): () => void {
    const mine = this.open.get(key) ?? 0;
    if (mine >= this.perKey) throw new TooManyRequests(this.words.perKey, 5);
    if (this.count >= this.total) throw new TooManyRequests(this.words.total, 30);
    this.open.set(key, mine + 1);
    this.count++;
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.count--;
      const left = (this.open.get(key) ?? 1) - 1;
      if (left > 0) this.open.set(key, left);
      else this.open.delete(key);
    };
  }

  /** Streams open in all. */
  get size(): number {
    return this.count;
  }
}
