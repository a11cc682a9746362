import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  activeEveryMs,
  inputFrameBytes,
  learnerTerminalPath,
  TerminalConnection,
} from './terminal-connection.ts';

/** A browser WebSocket stand-in: opens at once and records what the page sends. */
class FakeSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static last: FakeSocket | undefined;
  readyState = FakeSocket.OPEN;
  binaryType = 'blob';
  readonly sent: (string | Uint8Array)[] = [];
  private readonly listeners = new Map<string, ((event: unknown) => void)[]>();

  constructor(readonly url: string) {
    FakeSocket.last = this;
  }
  addEventListener(type: string, listener: (event: unknown) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  emit(type: string, event: unknown = {}): void {
    for (const listener of this.listeners.get(type) ?? []) listener(event);
  }
  send(data: string | Uint8Array): void {
    // The page may reuse its buffer; keep a copy as the wire would.
    this.sent.push(typeof data === 'string' ? data : new Uint8Array(data));
  }
  close(): void {
    this.readyState = 3;
  }
}

let lastTicketCalls: { url: string; authorization: string | undefined }[] = [];

async function openConnection(
  isVisible: () => boolean = () => true,
): Promise<{ connection: TerminalConnection; socket: FakeSocket }> {
  vi.stubGlobal('WebSocket', FakeSocket);
  vi.stubGlobal('location', { protocol: 'http:', host: 'localhost:8080' });
  const ticketCalls: { url: string; authorization: string | undefined }[] = [];
  vi.stubGlobal('fetch', async (url: string, init: { headers: Record<string, string> }) => {
    ticketCalls.push({ url, authorization: init.headers.Authorization });
    return new Response(JSON.stringify({ ticket: 'one-use-ticket' }), { status: 201 });
  });
  lastTicketCalls = ticketCalls;
  const connection = new TerminalConnection({
    socketPath: learnerTerminalPath(async () => ({
      id: 'abc',
      token: 't',
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
      machines: ['node1'],
    })),
    write: (_bytes, rendered) => rendered(),
    size: () => ({ cols: 80, rows: 24 }),
    onStatus: () => undefined,
    onServerError: () => undefined,
    describeError: String,
    isVisible,
  });
  connection.connect();
  await vi.waitFor(() => expect(FakeSocket.last).toBeDefined());
  const socket = FakeSocket.last!;
  socket.emit('open');
  return { connection, socket };
}

afterEach(() => {
  vi.useRealTimers();
  FakeSocket.last = undefined;
  vi.unstubAllGlobals();
});

describe('the terminal connection', () => {
  it('sends a 2 MB paste in frames the server accepts, whole and in order', async () => {
    const { connection, socket } = await openConnection();
    const line = 'x'.repeat(99) + '\n';
    const paste = line.repeat(20_000) + 'é€'; // 2 MB, ending in multi-byte characters
    expect(connection.sendInput(paste)).toBe(true);
    const frames = socket.sent.filter((f): f is Uint8Array => typeof f !== 'string');
    expect(frames.length).toBeGreaterThan(1);
    for (const frame of frames) expect(frame.byteLength).toBeLessThanOrEqual(inputFrameBytes);
    const joined = Buffer.concat(frames.map((f) => Buffer.from(f)));
    expect(joined.toString('utf8')).toBe(paste);
  });

  it('sends a keystroke as one small frame', async () => {
    const { connection, socket } = await openConnection();
    connection.sendInput('l');
    expect(socket.sent.filter((f) => typeof f !== 'string')).toEqual([new TextEncoder().encode('l')]);
  });

  it('trades the token for a one-use ticket and puts only the ticket in the URL', async () => {
    const { socket } = await openConnection();
    expect(lastTicketCalls).toEqual([
      { url: '/api/sessions/abc/terminal-ticket', authorization: 'Bearer t' },
    ]);
    expect(socket.url).toBe('ws://localhost:8080/api/sessions/abc/terminal?ticket=one-use-ticket');
    expect(socket.url).not.toContain('token');
    expect(JSON.parse(socket.sent[0] as string)).toEqual({ type: 'resize', cols: 80, rows: 24 });
  });
});

describe('the learner’s terminal path', () => {
  const session = async () => ({
    id: 'abc',
    token: 't',
    expiresAt: new Date(Date.now() + 60_000).toISOString(),
    machines: ['node1', 'node2'],
  });
  const pathFor = (...where: [tab?: number, machine?: string]) => {
    vi.stubGlobal('fetch', async () => new Response(JSON.stringify({ ticket: 'x' }), { status: 201 }));
    return learnerTerminalPath(session, ...where)({ revalidate: false });
  };

  it('names the machine and tab, and neither for node1’s first tab', async () => {
    expect(await pathFor()).toBe('/api/sessions/abc/terminal?ticket=x');
    expect(await pathFor(2)).toBe('/api/sessions/abc/terminal?ticket=x&tab=2');
    expect(await pathFor(1, 'node2')).toBe('/api/sessions/abc/terminal?ticket=x&machine=node2');
    expect(await pathFor(3, 'node2')).toBe('/api/sessions/abc/terminal?ticket=x&machine=node2&tab=3');
  });
});

describe('telling the server someone is there', () => {
  const actives = (socket: FakeSocket) => socket.sent.filter((f) => f === '{"type":"active"}').length;

  it('says so once a minute while the page is in view, and nothing while it is hidden', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    let visible = true;
    const { socket } = await openConnection(() => visible);
    vi.advanceTimersByTime(activeEveryMs * 3);
    expect(actives(socket)).toBe(3);
    visible = false;
    vi.advanceTimersByTime(activeEveryMs * 60); // a tab left open for an hour
    expect(actives(socket)).toBe(3);
  });

  it('says so at once when the page comes back into view, not when it is hidden', async () => {
    let visible = false;
    const { connection, socket } = await openConnection(() => visible);
    connection.visibilityChanged();
    expect(actives(socket)).toBe(0);
    visible = true;
    connection.visibilityChanged();
    expect(actives(socket)).toBe(1);
  });
});
