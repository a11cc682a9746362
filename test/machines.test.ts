import dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Platform } from './helpers/platform.ts';
import { addressesOf, inSandbox, leftovers, machineOf, runtime } from './helpers/sandbox-host.ts';
import { TerminalClient } from './helpers/terminal-client.ts';

/** Whether a TCP connection from a machine to host:port opens ("open"), is refused, or goes nowhere. */
async function tcpFrom(machine: string, host: string, port: number): Promise<'open' | 'refused' | 'blocked'> {
  const r = await inSandbox(
    machine,
    `timeout 3 bash -c 'echo > /dev/tcp/${host}/${port}' && echo OPEN`,
    'root',
  );
  if (r.stdout.includes('OPEN')) return 'open';
  return /refused/i.test(r.stderr) ? 'refused' : 'blocked';
}

// Lesson 13 asks for two machines: node1 and node2 on a network of the learner's own.
describe('a lesson with two machines', () => {
  const platform = new Platform();
  let mine: { id: string; token: string };
  let theirs: { id: string; token: string };
  const node2 = () => machineOf(mine.id, 'node2');

  beforeAll(async () => {
    await platform.start();
    [mine, theirs] = await Promise.all([platform.session('two-machines'), platform.session('two-machines')]);
  }, 240_000);
  afterAll(async () => {
    for (const s of [mine, theirs])
      if (s) await platform.api('DELETE', `/api/sessions/${s.id}`, undefined, s.token);
    await platform.stop();
  });

  it('gives the session node1 and node2, which know each other by name', async () => {
    const session = await platform.api('GET', `/api/sessions/${mine.id}`, undefined, mine.token);
    expect(session.body.machines).toEqual(['node1', 'node2']);
    const names = await inSandbox(node2(), 'hostname; ping -c 1 -W 2 node1 >/dev/null && echo reached');
    expect(names.stdout.trim().split('\n')).toEqual(['node2', 'reached']);
    // Each machine still has the lab: the hub answers on node2 as on node1.
    const hub = await inSandbox(
      node2(),
      'curl -s -m 20 -o /dev/null -w "%{http_code}" https://registry-1.docker.io/v2/',
    );
    expect(hub.stdout).toBe('401');
  });

  it('opens a terminal on the machine the page names, and refuses one the session lacks', async () => {
    const base = `${platform.wsUrl}/api/sessions/${mine.id}/terminal?token=${mine.token}`;
    const term = await TerminalClient.open(`${base}&machine=node2`);
    await term.waitFor(/learner@node2:~\$/);
    await term.close();
    await expect(TerminalClient.open(`${base}&machine=node3`)).rejects.toThrow('HTTP 400');
    const tabs = await platform.api(
      'GET',
      `/api/sessions/${mine.id}/terminals?machine=node2`,
      undefined,
      mine.token,
    );
    expect(tabs.status).toBe(200);
    const none = await platform.api(
      'GET',
      `/api/sessions/${mine.id}/terminals?machine=node9`,
      undefined,
      mine.token,
    );
    expect(none.status).toBe(400);
    expect(none.body.error.message).toMatch(
      /There is no machine "node9" in this session: it has node1 to node2/,
    );
  });

  it('edits the files of the machine the editor names', async () => {
    const put = await platform.api(
      'PUT',
      `/api/sessions/${mine.id}/files/content?machine=node2`,
      { path: '/home/learner/from-the-editor.txt', content: 'written on node2\n' },
      mine.token,
    );
    expect(put.status).toBe(200);
    expect((await inSandbox(node2(), 'cat ~/from-the-editor.txt')).stdout).toBe('written on node2\n');
    expect((await inSandbox(mine.id, 'test -e ~/from-the-editor.txt || echo absent')).stdout).toBe(
      'absent\n',
    );
    const listed = await platform.api(
      'GET',
      `/api/sessions/${mine.id}/files?machine=node2`,
      undefined,
      mine.token,
    );
    expect(listed.body.entries.map((e: { name: string }) => e.name)).toContain('from-the-editor.txt');
    const wrong = await platform.api(
      'GET',
      `/api/sessions/${mine.id}/files?machine=node7`,
      undefined,
      mine.token,
    );
    expect(wrong.status).toBe(400);
  });

  it('checks each exercise on its machine, and says what is missing', async () => {
    const check = () =>
      platform.api(
        'POST',
        `/api/sessions/${mine.id}/exercises/two-machines/fetch-across/check`,
        {},
        mine.token,
      );
    const before = await check();
    expect(before.body.passed).toBe(false);
    expect(before.body.checks[0].message).toMatch(/~\/inventory.json on node2 is missing/);
    // The lesson's setup started node1's inventory service (as opening the page does).
    const setup = await platform.api(
      'POST',
      `/api/sessions/${mine.id}/lessons/two-machines/setup`,
      {},
      mine.token,
    );
    expect(setup.status).toBe(200);
    const fetched = await inSandbox(
      node2(),
      'curl -fsS -m 20 http://node1:9090/ -o ~/inventory.json && cat ~/inventory.json',
    );
    expect(fetched.stdout).toMatch(/"kept_on": "node1"/);
    const after = await check();
    expect(after.body).toMatchObject({ passed: true });
  }, 120_000);

  it.skipIf(runtime !== 'incus')(
    "keeps the learner's network to their own machines: not another learner's, not the host, not beyond",
    async () => {
      // The other learner's node1 listens on its lab address and on their own network.
      const theirNode1 = theirs.id;
      await inSandbox(
        theirNode1,
        `nohup perl -MIO::Socket::INET -e '$s=IO::Socket::INET->new(LocalPort=>7070,Listen=>5,ReuseAddr=>1) or die; while($c=$s->accept){print $c "theirs\\n"; close $c}' >/dev/null 2>&1 &`,
        'root',
      );
      const { ip: theirLabIp, gateway } = await addressesOf(theirNode1);
      // Their node2 reaches it over their network: the listener is up.
      await expect
        .poll(() => tcpFrom(machineOf(theirs.id, 'node2'), 'node1', 7070), { timeout: 10_000 })
        .toBe('open');
      // Mine, as root, points a route at the host's side of my network (its bridge's MAC), and
      // tries the other learner's machine, the host's lab gateway and the server's own port.
      const lan = (await leftovers(mine.id))
        .find((name) => name.startsWith('network '))!
        .slice('network '.length);
      const mac = (await import('node:fs')).readFileSync(`/sys/class/net/${lan}/address`, 'utf8').trim();
      const route = await inSandbox(
        node2(),
        `ip neigh replace 10.77.0.1 lladdr ${mac} dev eth1 nud permanent && ip route replace ${theirLabIp}/32 via 10.77.0.1 dev eth1 && ip route replace 192.0.2.0/24 via 10.77.0.1 dev eth1 && echo routed`,
        'root',
      );
      expect(route.stdout).toContain('routed');
      expect(await tcpFrom(node2(), theirLabIp, 7070)).toBe('blocked');
      // The host, reached through my network: nothing answers (on eth0 the lab's ports would).
      await inSandbox(node2(), `ip route replace ${gateway}/32 via 10.77.0.1 dev eth1`, 'root');
      expect(await tcpFrom(node2(), gateway, 443)).toBe('blocked');
      expect(await tcpFrom(node2(), gateway, Number(new URL(platform.url).port))).toBe('blocked');
      // Nor does anything sent one way reach it (no answer needed): a UDP datagram to a host port.
      const received: string[] = [];
      const udp = dgram.createSocket('udp4');
      udp.on('message', (m) => received.push(m.toString()));
      await new Promise<void>((r) => udp.bind(0, '0.0.0.0', r));
      const udpPort = udp.address().port;
      const sent = await inSandbox(
        node2(),
        `bash -c 'for i in 1 2 3; do echo sent-through-my-network > /dev/udp/${gateway}/${udpPort}; done; echo sent'`,
        'root',
      );
      expect(sent).toMatchObject({ stdout: 'sent\n', stderr: '' });
      // The same datagram from the host itself arrives: the listener works.
      const probe = dgram.createSocket('udp4');
      await new Promise<void>((r) => probe.send('from-the-host', udpPort, '127.0.0.1', () => r()));
      await expect.poll(() => received, { timeout: 5000 }).toContain('from-the-host');
      probe.close();
      udp.close();
      expect(received).toEqual(['from-the-host']);
      // Beyond the host: nothing is routed on.
      expect(await tcpFrom(node2(), '192.0.2.1', 80)).toBe('blocked');
      // My own machines still reach each other.
      expect((await inSandbox(node2(), 'ping -c 1 -W 2 node1 >/dev/null && echo reached')).stdout).toContain(
        'reached',
      );
    },
  );

  it('removes both machines and their network with the session', async () => {
    const ending = await platform.session('two-machines');
    expect((await leftovers(ending.id)).length).toBe(runtime === 'incus' ? 3 : 5);
    const removed = await platform.api('DELETE', `/api/sessions/${ending.id}`, undefined, ending.token);
    expect(removed.status, platform.log.slice(-5).join('\n')).toBe(204);
    expect(await leftovers(ending.id)).toEqual([]);
  }, 120_000);
});
