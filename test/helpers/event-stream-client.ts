// A server-sent-events client for tests and benchmarks: it reads a `text/event-stream` response
// with fetch and keeps its events, so a test can wait for the one it expects.

/** One event of the stream, its data parsed as JSON. */
export interface StreamEvent {
  event: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  data: any;
  /** performance.now() when it arrived. */
  receivedAt: number;
}

export class EventStreamClient {
  readonly events: StreamEvent[] = [];
  private waiters: (() => void)[] = [];
  private ended = false;

  private constructor(
    readonly status: number,
    private readonly controller: AbortController,
  ) {}

  /** Opens the stream; a refusal (not 200) answers at once with its status and no events. */
  static async open(url: string, headers: Record<string, string> = {}): Promise<EventStreamClient> {
    const controller = new AbortController();
    const res = await fetch(url, {
      headers: { accept: 'text/event-stream', ...headers },
      signal: controller.signal,
    });
    const client = new EventStreamClient(res.status, controller);
    if (res.status !== 200 || !res.body) {
      await res.body?.cancel();
      client.ended = true;
      return client;
    }
    void client.read(res.body);
    return client;
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    const reader = body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data !== undefined)
            this.events.push({ event, data: JSON.parse(data), receivedAt: performance.now() });
          this.wake();
        }
      }
    } catch {
      // Aborted by close().
    }
    this.ended = true;
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Whether the server closed the stream (or it was refused). */
  get closed(): boolean {
    return this.ended;
  }

  /** The first event (from `from` on) that matches, waiting for it up to `timeoutMs`. */
  async waitFor(match: (e: StreamEvent) => boolean, timeoutMs = 5000, from = 0): Promise<StreamEvent> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const found = this.events.slice(from).find(match);
      if (found) return found;
      if (this.ended) throw new Error('the event stream ended');
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`no matching event within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits until the server has closed the stream. */
  async waitClosed(timeoutMs = 5000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!this.ended) {
      if (performance.now() > deadline) throw new Error(`the stream stayed open for ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): void {
    this.controller.abort();
  }
}
