import xtermHeadless from '@xterm/headless';
import WebSocket from 'ws';

const { Terminal } = xtermHeadless;

/**
 * A scripted terminal client speaking the Dockyard terminal protocol, as the browser does: output
 * goes through a headless xterm.js, so tests read the screen a learner would see.
 */
export class TerminalClient {
  /** Everything received, decoded as UTF-8 (a stream decoder, so split characters join up). */
  raw = '';
  readonly controls: Record<string, unknown>[] = [];
  received = 0;
  closed = false;
  private readonly decoder = new TextDecoder();
  private readonly term = new Terminal({ cols: 100, rows: 30, scrollback: 5000, allowProposedApi: true });
  private unacked = 0;

  private constructor(
    readonly ws: WebSocket,
    private readonly autoAck: boolean,
  ) {
    ws.on('message', (data: Buffer, isBinary) => {
      if (!isBinary) {
        this.controls.push(JSON.parse(data.toString()) as Record<string, unknown>);
        return;
      }
      this.received += data.length;
      this.raw += this.decoder.decode(data, { stream: true });
      if (this.raw.length > 400_000) this.raw = this.raw.slice(-200_000);
      const bytes = data.length;
      this.term.write(new Uint8Array(data), () => {
        this.unacked += bytes;
        if (this.autoAck && this.unacked >= 16 * 1024) this.ack();
      });
    });
    ws.on('close', () => (this.closed = true));
    // Answers to terminal queries (device attributes, colours) go back like keystrokes.
    this.term.onData((d) => {
      if (this.answerQueries && ws.readyState === ws.OPEN) ws.send(Buffer.from(d, 'utf8'), { binary: true });
    });
  }

  /** Whether the client terminal answers queries, as a browser's does; a test may answer by hand. */
  answerQueries = true;

  static open(
    url: string,
    options: {
      autoAck?: boolean;
      headers?: Record<string, string>;
      answerPings?: boolean;
      answerQueries?: boolean;
    } = {},
  ): Promise<TerminalClient> {
    // answerPings: false plays a client that vanished without closing (its pongs never come).
    const ws = new WebSocket(url, { headers: options.headers, autoPong: options.answerPings ?? true });
    const client = new TerminalClient(ws, options.autoAck ?? true);
    client.answerQueries = options.answerQueries ?? true;
    return new Promise((resolve, reject) => {
      ws.once('open', () => {
        client.control({ type: 'resize', cols: 100, rows: 30 });
        resolve(client);
      });
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  /** The text on screen and in the scrollback, one line per row, trailing blanks trimmed. */
  get screen(): string {
    const buffer = this.term.buffer.active;
    const lines: string[] = [];
    for (let i = 0; i < buffer.length; i++) lines.push(buffer.getLine(i)?.translateToString(true) ?? '');
    return lines.join('\n').replace(/\n+$/, '');
  }

  /** The row the cursor is on. */
  get cursorLine(): string {
    const buffer = this.term.buffer.active;
    return buffer.getLine(buffer.baseY + buffer.cursorY)?.translateToString(true) ?? '';
  }

  ack(): void {
    if (this.unacked > 0) this.ws.send(JSON.stringify({ type: 'ack', bytes: this.unacked }));
    this.unacked = 0;
  }

  type(text: string): void {
    this.ws.send(Buffer.from(text, 'utf8'), { binary: true });
  }

  control(msg: unknown): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  /** Waits until the screen text matches. */
  async waitFor(pattern: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = pattern.exec(this.screen);
      if (m) return m;
      if (Date.now() > deadline) {
        throw new Error(
          `timed out waiting for ${pattern}; the screen ends with:\n${this.screen.slice(-800)}`,
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  close(): Promise<void> {
    this.term.dispose();
    return new Promise((resolve) => {
      if (this.closed) return resolve();
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}
