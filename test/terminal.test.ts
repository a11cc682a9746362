import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Platform } from './helpers/platform.ts';
import { TerminalClient } from './helpers/terminal-client.ts';

// The terminal WebSocket: a real shell in a real sandbox, through node-pty and tmux.
describe('terminal', () => {
  // Pings every second, so a silent client is dropped within the test's patience.
  const platform = new Platform({ DOCKYARD_TERMINAL_PING_SECONDS: '1' });
  let session: { id: string; token: string };
  const url = () => `${platform.wsUrl}/api/sessions/${session.id}/terminal?token=${session.token}`;

  beforeAll(async () => {
    await platform.start();
    session = await platform.session();
  });
  afterAll(async () => {
    await platform.api('DELETE', `/api/sessions/${session.id}`, undefined, session.token);
    await platform.stop();
  });

  it('refuses an upgrade without the right token or from a foreign origin', async () => {
    const base = `${platform.wsUrl}/api/sessions/${session.id}/terminal`;
    await expect(TerminalClient.open(base)).rejects.toThrow('HTTP 401');
    await expect(TerminalClient.open(`${base}?token=AAAAAAAAAAAAAAAAAAAAAA`)).rejects.toThrow('HTTP 403');
    await expect(
      TerminalClient.open(`${platform.wsUrl}/api/sessions/0000000000000000/terminal?token=x`),
    ).rejects.toThrow('HTTP 404');
    await expect(TerminalClient.open(url(), { headers: { origin: 'http://evil.example' } })).rejects.toThrow(
      'HTTP 403',
    );
    const sameOrigin = await TerminalClient.open(url(), { headers: { origin: platform.url } });
    await sameOrigin.close();
  });

  it('opens with a one-use ticket traded for the token, never twice and never for another session', async () => {
    const ticketFor = async (id: string, token: string) =>
      (await platform.api('POST', `/api/sessions/${id}/terminal-ticket`, undefined, token)).body
        .ticket as string;
    const base = `${platform.wsUrl}/api/sessions/${session.id}/terminal`;
    const ticket = await ticketFor(session.id, session.token);
    const term = await TerminalClient.open(`${base}?ticket=${ticket}`);
    await term.waitFor(/learner@dockyard:~\$/);
    await term.close();
    await expect(TerminalClient.open(`${base}?ticket=${ticket}`)).rejects.toThrow('HTTP 403');
    // No ticket without the token; a ticket of one session does not open another.
    expect((await platform.api('POST', `/api/sessions/${session.id}/terminal-ticket`)).status).toBe(401);
    const other = await platform.api('POST', '/api/sessions', {});
    const theirs = await ticketFor(other.body.id, other.body.token);
    await expect(TerminalClient.open(`${base}?ticket=${theirs}`)).rejects.toThrow('HTTP 403');
    await platform.api('DELETE', `/api/sessions/${other.body.id}`, undefined, other.body.token);
  });

  it('gives a prompt, runs commands in order and keeps UTF-8 intact', async () => {
    const term = await TerminalClient.open(url());
    await term.waitFor(/learner@dockyard:~\$/);
    // Many small frames, sent back to back, must arrive in order.
    for (const ch of 'echo one; echo two; echo three\r') term.type(ch);
    await term.waitFor(/^one\ntwo\nthree$/m);
    // A multi-byte character split across two input frames, and one printed by the shell.
    const euro = Buffer.from('echo \u20ac-ok\r', 'utf8');
    // Apart in time too, so they reach the machine in two reads (Incus lost the character then).
    term.ws.send(euro.subarray(0, 6), { binary: true });
    await new Promise((r) => setTimeout(r, 150));
    term.ws.send(euro.subarray(6), { binary: true });
    await term.waitFor(/^\u20ac-ok$/m);
    term.type("printf '\\xe2\\x9c\\x93 done\\n'\r");
    await term.waitFor(/^\u2713 done$/m);
    expect(term.raw).toContain('\u2713 done');
    expect(term.raw).not.toContain('\ufffd');
    await term.close();
  });

  it("takes the browser terminal's answer to tmux's query whole when it arrives in two pieces", async () => {
    // On attach tmux asks the terminal what it is (ESC[>c); xterm.js answers ESC[>0;276;0c. Under
    // load the answer can reach tmux in two reads. With escape-time 0 tmux waited 1 ms for the rest,
    // then passed the pieces on as keys: "276: command not found", and the learner's first command
    // was lost (8 of 30 learners in a burst).
    const term = await TerminalClient.open(url(), { answerQueries: false });
    await term.waitFor(/learner@dockyard:~\$/);
    term.type('\x1b[>0;27');
    await new Promise((r) => setTimeout(r, 20));
    term.type('6;0c');
    await new Promise((r) => setTimeout(r, 300));
    term.type('echo da-$((1+1))\r');
    await term.waitFor(/^da-2$/m);
    expect(term.screen).not.toMatch(/command not found/);
    await term.close();
  });

  it('takes a 2 MB paste of 20,000 lines whole, sent in frames as the page does', async () => {
    const term = await TerminalClient.open(url());
    await term.waitFor(/learner@dockyard:~\$/);
    term.type('stty -echo; echo pasting-$((5*5)); cat > ~/paste\r');
    await term.waitFor(/^pasting-25$/m);
    const paste = Buffer.from(('y'.repeat(99) + '\n').repeat(20_000));
    for (let at = 0; at < paste.length; at += 64 * 1024)
      term.ws.send(paste.subarray(at, at + 64 * 1024), { binary: true });
    term.type('\x04'); // end of input
    term.type('stty echo; echo "pasted $(wc -c < ~/paste) bytes"\r');
    await term.waitFor(/^pasted 2000000 bytes$/m, 60_000);
    await term.close();
  }, 90_000);

  it('closes with 1009 on one frame over 1 MiB, as documented', async () => {
    const term = await TerminalClient.open(url());
    const code = new Promise<number>((resolve) => term.ws.once('close', (c: number) => resolve(c)));
    term.ws.send(Buffer.alloc(1024 * 1024 + 1, 0x61), { binary: true });
    expect(await code).toBe(1009);
  });

  it('drops a client that stopped answering pings (two beats), and a new one gets the shell', async () => {
    const silent = await TerminalClient.open(url(), { answerPings: false });
    await silent.waitFor(/learner@dockyard:~\$/);
    const started = Date.now();
    while (!silent.closed && Date.now() - started < 10_000) await new Promise((r) => setTimeout(r, 100));
    expect(silent.closed).toBe(true);
    const next = await TerminalClient.open(url());
    next.type('echo back-$((3*3))\r');
    await next.waitFor(/^back-9$/m);
    // A client that answers stays attached across many pings.
    await new Promise((r) => setTimeout(r, 3000));
    expect(next.closed).toBe(false);
    await next.close();
  });

  it('resizes the terminal', async () => {
    const term = await TerminalClient.open(url());
    term.control({ type: 'resize', cols: 123, rows: 37 });
    // The new size travels through docker exec and tmux; ask until the shell sees it.
    const deadline = Date.now() + 15_000;
    while (!/^37 123$/m.test(term.screen) && Date.now() < deadline) {
      term.type('stty size\r');
      await new Promise((r) => setTimeout(r, 500));
    }
    await term.waitFor(/^37 123$/m, 1000);
    await term.close();
  });

  it('answers malformed frames with an error and keeps working', async () => {
    const term = await TerminalClient.open(url());
    term.control('not json');
    term.control({ type: 'resize', cols: -1, rows: 'x' });
    term.control({ type: 'launch-missiles' });
    term.control('x'.repeat(5000));
    const errors = () => term.controls.filter((c) => c.type === 'error');
    const deadline = Date.now() + 5000;
    while (errors().length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(errors()).toHaveLength(4);
    expect(String(errors()[1]!.message)).toMatch(/cols/);
    term.type('echo still-$((40+2))\r');
    await term.waitFor(/still-42/);
    expect((await platform.api('GET', '/api/health')).status).toBe(200);
    await term.close();
  });

  it('stays responsive under a flood of output, with bounded unacknowledged bytes', async () => {
    const term = await TerminalClient.open(url(), { autoAck: false });
    term.type('yes | head -c 20000000; echo flood-$((6*7))\r');
    // Without acknowledgements the output reaches the server's high watermark (256 KiB) and stops.
    const highMark = 256 * 1024;
    // Generous: a host under heavy load (CI, a busy classroom server) draws the flood slowly.
    const deadline = Date.now() + 60_000;
    while (term.received < highMark - 16 * 1024 && !term.closed && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(term.closed).toBe(false);
    // The server counts a few bytes more than the screen's (its own frames); a frame's worth of slack.
    expect(term.received).toBeGreaterThanOrEqual(highMark - 16 * 1024);
    let before = -1;
    while (term.received !== before && Date.now() < deadline) {
      before = term.received;
      await new Promise((r) => setTimeout(r, 1000)); // a whole second with nothing new: it stopped
    }
    expect(term.closed).toBe(false);
    expect(term.received).toBe(before);
    // What was in flight when it paused (a few pty reads) is all that passes the mark.
    expect(term.received).toBeLessThan(highMark + 512 * 1024);
    // Acknowledge as a browser would; the flood completes and the shell answers.
    const acker = setInterval(() => term.ack(), 20);
    await term.waitFor(/flood-42/, 120_000);
    clearInterval(acker);
    term.type('echo after-flood\r');
    await term.waitFor(/^after-flood$/m);
    await term.close();
  }, 240_000);

  it('interrupts an endless flood with Ctrl-C and gives the prompt back', async () => {
    const term = await TerminalClient.open(url());
    term.type('yes flood-line\r');
    await term.waitFor(/flood-line\nflood-line/);
    term.type('\x03');
    term.type('echo interrupted-$((2*21))\r');
    await term.waitFor(/^interrupted-42$/m, 15_000);
    await term.close();
  });

  it('keeps the shell and its screen across a dropped socket and a server restart', async () => {
    const first = await TerminalClient.open(url());
    first.type('export MARK=kept-$((1000+337)); echo marker-$((1+1))\r');
    await first.waitFor(/marker-2/);
    first.ws.terminate(); // dropped, not closed
    const second = await TerminalClient.open(url());
    await second.waitFor(/marker-2/); // the screen is redrawn on reattach
    await second.close();

    await platform.stop('SIGKILL'); // a crash, not a clean stop
    await platform.start();
    const third = await TerminalClient.open(url());
    await third.waitFor(/marker-2/);
    third.type('echo $MARK\r');
    await third.waitFor(/kept-1337/);
    await third.close();
  });
});
