import WebSocket from 'ws';

/** A scripted terminal client speaking the Dockyard terminal protocol, as the browser does. */
export class TerminalClient {
  screen = '';
  readonly controls: Record<string, unknown>[] = [];
  private decoder = new TextDecoder();
  private unacked = 0;
  received = 0;
  closed = false;

  private constructor(
    readonly ws: WebSocket,
    private readonly autoAck: boolean,
  ) {
    ws.on('message', (data: Buffer, isBinary) => {
      if (isBinary) {
        this.received += data.length;
        this.screen += this.decoder.decode(data, { stream: true });
        if (this.screen.length > 2_000_000) this.screen = this.screen.slice(-1_000_000);
        this.unacked += data.length;
        if (this.autoAck && this.unacked >= 16 * 1024) this.ack();
      } else {
        this.controls.push(JSON.parse(data.toString()) as Record<string, unknown>);
      }
    });
    ws.on('close', () => (this.closed = true));
  }

  static open(
    url: string,
    options: { autoAck?: boolean; headers?: Record<string, string> } = {},
  ): Promise<TerminalClient> {
    const ws = new WebSocket(url, { headers: options.headers });
    const client = new TerminalClient(ws, options.autoAck ?? true);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
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
        throw new Error(`timed out waiting for ${pattern}; screen ends with:\n${this.screen.slice(-800)}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.closed) return resolve();
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}
