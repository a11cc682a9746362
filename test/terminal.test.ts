import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Platform } from './helpers/platform.ts';
import { TerminalClient } from './helpers/terminal-client.ts';

// The terminal WebSocket: a real shell in a real sandbox, through node-pty and tmux.
describe('terminal', () => {
  const platform = new Platform();
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

  it('gives a prompt, runs commands in order and keeps UTF-8 intact', async () => {
    const term = await TerminalClient.open(url());
    await term.waitFor(/learner@dockyard:~\$/);
    // Many small frames, sent back to back, must arrive in order.
    for (const ch of 'echo one; echo two; echo three\r') term.type(ch);
    await term.waitFor(/^one\ntwo\nthree$/m);
    // A multi-byte character split across two input frames, and one printed by the shell.
    const euro = Buffer.from('echo \u20ac-ok\r', 'utf8');
    term.ws.send(euro.subarray(0, 6), { binary: true });
    term.ws.send(euro.subarray(6), { binary: true });
    await term.waitFor(/^\u20ac-ok$/m);
    term.type("printf '\\xe2\\x9c\\x93 done\\n'\r");
    await term.waitFor(/^\u2713 done$/m);
    expect(term.raw).toContain('\u2713 done');
    expect(term.raw).not.toContain('\ufffd');
    await term.close();
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
    await new Promise((r) => setTimeout(r, 300));
    const errors = term.controls.filter((c) => c.type === 'error');
    expect(errors).toHaveLength(4);
    expect(String(errors[1]!.message)).toMatch(/cols/);
    term.type('echo still-$((40+2))\r');
    await term.waitFor(/still-42/);
    expect((await platform.api('GET', '/api/health')).status).toBe(200);
    await term.close();
  });

  it('stays responsive under a flood of output, with bounded unacknowledged bytes', async () => {
    const term = await TerminalClient.open(url(), { autoAck: false });
    term.type('yes | head -c 20000000; echo flood-$((6*7))\r');
    // Without acknowledgements the server must stop sending near the high watermark.
    await new Promise((r) => setTimeout(r, 1500));
    const unackedPeak = term.received;
    expect(unackedPeak).toBeLessThan(1024 * 1024);
    // Acknowledge as a browser would; the flood completes and the shell answers.
    const acker = setInterval(() => term.ack(), 20);
    await term.waitFor(/flood-42/, 120_000);
    clearInterval(acker);
    term.type('echo after-flood\r');
    await term.waitFor(/^after-flood$/m);
    await term.close();
  });

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
