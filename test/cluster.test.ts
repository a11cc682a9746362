import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from './helpers/incus-cluster.ts';
import { Platform } from './helpers/platform.ts';
import { runtime } from './helpers/sandbox-host.ts';
import { TerminalClient } from './helpers/terminal-client.ts';

type Session = { id: string; token: string };

// Dockyard on an Incus cluster of two members, both made on this machine (each an incusd of its own
// in a network namespace: test/helpers/incus-cluster.ts). The server works through member 1's
// socket, as it would on a member of a real cluster. The lab's services (hub, package proxy, DNS)
// are not reachable from the members' bridges here: that part is proven on one host only.
describe.skipIf(runtime !== 'incus')('an Incus cluster of two members', () => {
  let cluster: TestCluster;
  let platform: Platform;
  const sessions: Session[] = [];

  const locationOf = async (s: Session): Promise<string> => {
    const r = await cluster.incus('query', `/1.0/instances/dockyard-${s.id}`);
    return (JSON.parse(r.stdout) as { location: string }).location;
  };
  const prompt = async (s: Session) => {
    const term = await TerminalClient.open(
      `${platform.wsUrl}/api/sessions/${s.id}/terminal?token=${s.token}`,
    );
    await term.waitFor(/learner@dockyard:~\$/, 60_000);
    term.type('echo $((6 * 7))\r');
    await term.waitFor(/^42$/m);
    return term;
  };
  const check = (s: Session) =>
    platform.api(
      'POST',
      `/api/sessions/${s.id}/exercises/containers-and-vms/shared-kernel/check`,
      undefined,
      s.token,
    );

  beforeAll(async () => {
    cluster = await startTestCluster();
    platform = new Platform({ DOCKYARD_INCUS_REMOTE: cluster.socket, DOCKYARD_MEMBER_WATCH_MS: '1000' });
    await platform.start();
  }, 300_000);
  afterAll(async () => {
    for (const s of sessions) await platform?.api('DELETE', `/api/sessions/${s.id}`, undefined, s.token);
    await platform?.stop();
    await cluster?.destroy();
  }, 300_000);

  it('lists both members in the health answer, online, with their free memory', async () => {
    const health = (await platform.api('GET', '/api/health')).body;
    expect(health.members.map((m: { name: string }) => m.name).sort()).toEqual(['m1', 'm2']);
    for (const m of health.members) {
      expect(m).toMatchObject({ status: 'Online', online: true });
      expect(m.freeMemoryBytes).toBeGreaterThan(256 * 1024 ** 2);
    }
  });

  it('spreads machines over both members; each gives its learner a terminal and passes a check', async () => {
    sessions.push(await platform.session('containers-and-vms'), await platform.session('containers-and-vms'));
    expect((await Promise.all(sessions.map(locationOf))).sort()).toEqual(['m1', 'm2']);
    for (const s of sessions) {
      expect((await check(s)).body.passed).toBe(false);
      const term = await prompt(s);
      term.type('uname -r > ~/container-kernel.txt\r');
      await term.close();
      let passed = false;
      for (let i = 0; i < 20 && !passed; i++) passed = (await check(s)).body.passed === true;
      expect(passed).toBe(true);
    }
    const health = (await platform.api('GET', '/api/health')).body;
    expect(health.members.map((m: { sandboxes: number }) => m.sandboxes)).toEqual([1, 1]);
  }, 180_000);

  it('tells the learner on a member that went down, gives them a new machine elsewhere, and leaves the other learner be', async () => {
    const [onM1, onM2] = (await locationOf(sessions[0]!)) === 'm2' ? [sessions[1]!, sessions[0]!] : sessions;
    await cluster.stopMember('m2');
    let gone: { status: number; body: { error?: { code: string; message: string } } } = {
      status: 0,
      body: {},
    };
    for (let i = 0; i < 60 && gone.status !== 404; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      gone = await platform.api('GET', `/api/sessions/${onM2!.id}`, undefined, onM2!.token);
    }
    expect(gone.status).toBe(404);
    expect(gone.body.error).toMatchObject({ code: 'host_down' });
    expect(gone.body.error!.message).toMatch(/went down.*progress and your hub repositories are kept/);

    const health = (await platform.api('GET', '/api/health')).body;
    expect(health.members.find((m: { name: string }) => m.name === 'm2')).toMatchObject({ online: false });

    // Their next machine lands on the member that is up, and works.
    const next = await platform.session('containers-and-vms');
    sessions.push(next);
    expect(await locationOf(next)).toBe('m1');
    await (await prompt(next)).close();

    // The learner on m1 noticed nothing: same session, a working terminal.
    expect((await platform.api('GET', `/api/sessions/${onM1!.id}`, undefined, onM1!.token)).body.state).toBe(
      'ready',
    );
    await (await prompt(onM1!)).close();
    await cluster.startMember('m2');
  }, 240_000);
});
