import { execFile as execFileCallback } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../sandbox-server/src/config.ts';
import { startTestCluster, type TestCluster } from './helpers/incus-cluster.ts';
import { newInstructor } from './helpers/instructors.ts';
import { Platform } from './helpers/platform.ts';
import { inSandbox, machineOf, runtime } from './helpers/sandbox-host.ts';
import { TerminalClient } from './helpers/terminal-client.ts';

type Session = { id: string; token: string };

const execFile = promisify(execFileCallback);
const ADMIN = 'admin-cluster-test-token-0123456789';

// Dockyard on an Incus cluster of two members, both made on this machine (each an incusd of its own
// in a network namespace: test/helpers/incus-cluster.ts). The server works through member 1's
// socket, as it would on a member of a real cluster. The host plays the server's host: the lab's
// services (hub, package proxy, DNS) run there, and each member reaches them through its member
// gateway (sandbox-server/src/lab/member-gateway.ts) and a link of its own, as across a LAN.
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
  const inMachine = (s: Session, script: string) => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...cluster.env };
    delete env.INCUS_SOCKET;
    return inSandbox(s.id, script, 'learner', 5 * 60_000, env);
  };
  const addressOf = async (s: Session): Promise<string> => {
    const r = await cluster.incus('query', `/1.0/instances/dockyard-${s.id}`);
    return (JSON.parse(r.stdout) as { devices: { eth0: { 'ipv4.address': string } } }).devices.eth0[
      'ipv4.address'
    ];
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
    platform = new Platform({
      DOCKYARD_INCUS_REMOTE: cluster.socket,
      DOCKYARD_MEMBER_WATCH_MS: '1000',
      DOCKYARD_INSTRUCTOR_TOKEN: ADMIN,
      ...cluster.serverEnv,
    });
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

  it("gives machines on both members the lab: the hub's login, pull and push, the package proxy, DNS", async () => {
    for (const s of sessions.slice(0, 2)) {
      const member = await locationOf(s);
      const { username, password } = (
        await platform.api('GET', `/api/sessions/${s.id}/hub`, undefined, s.token)
      ).body as { username: string; password: string };
      const push = await inMachine(
        s,
        `printf '%s' '${password}' | docker login -u ${username} --password-stdin >/dev/null 2>&1 && echo logged-in; ` +
          `docker pull -q busybox >/dev/null 2>&1 && docker tag busybox ${username}/from-${member}:v1 && ` +
          `docker push ${username}/from-${member}:v1 >/dev/null 2>&1 && echo pushed`,
      );
      expect(push.stdout, `${member}: ${push.stderr}`).toBe('logged-in\npushed\n');
      const proxy = await inMachine(
        s,
        'curl -s -m 20 -o /dev/null -w "%{http_code}" -x http://hub.dockyard.internal:3142 http://deb.debian.org/debian/dists/trixie/Release',
      );
      expect(proxy.stdout, `${member}: the package proxy`).toBe('200');
      // The lab DNS answers at once (no such name: 2); unanswered, getent would wait for timeout (124).
      const dns = await inMachine(s, 'timeout 4 getent hosts nothing.example.com; echo $?');
      expect(dns.stdout.trim(), `${member}: the lab DNS`).toBe('2');
      // Gone from the machine, pulled back from the hub, and run.
      const pull = await inMachine(
        s,
        `docker rmi ${username}/from-${member}:v1 >/dev/null && docker pull -q ${username}/from-${member}:v1 >/dev/null 2>&1 && docker run --rm ${username}/from-${member}:v1 echo pulled-back`,
      );
      expect(pull.stdout, `${member}: ${pull.stderr}`).toBe('pulled-back\n');
    }
  }, 300_000);

  it('keeps machines on different members apart, while the server reaches each and previews its app', async () => {
    const [a, b] = sessions as [Session, Session];
    const listen = `nohup perl -MIO::Socket::INET -e '$s=IO::Socket::INET->new(LocalPort=>7070,Listen=>5,ReuseAddr=>1) or die; while($c=$s->accept){print $c "secret\\n"; close $c}' >/dev/null 2>&1 &`;
    const fromServer = (ip: string) =>
      new Promise<string>((resolve) => {
        const sock = net.connect(7070, ip);
        sock.setTimeout(3000, () => sock.destroy(new Error('timed out')));
        sock.on('data', (d) => resolve(d.toString()));
        sock.on('error', (e) => resolve(e.message));
      });
    for (const [s, other] of [
      [a, b],
      [b, a],
    ] as const) {
      await inMachine(s, listen);
      const ip = await addressOf(s);
      let answer = '';
      for (let i = 0; i < 50 && !answer.includes('secret'); i++) {
        answer = await fromServer(ip);
        if (!answer.includes('secret')) await new Promise((r) => setTimeout(r, 100));
      }
      expect(answer, `the server reaches ${ip} on ${await locationOf(s)}`).toMatch(/secret/);
      // The learner's own preview of a web app on that machine, through the server's API.
      const member = await locationOf(s);
      await inMachine(
        s,
        `nohup perl -MIO::Socket::INET -e '$s=IO::Socket::INET->new(LocalPort=>7071,Listen=>5,ReuseAddr=>1) or die; while($c=$s->accept){<$c>; print $c "HTTP/1.0 200 OK\\r\\nContent-Type: text/plain\\r\\n\\r\\npreview on ${member}\\n"; close $c}' >/dev/null 2>&1 &`,
      );
      await expect
        .poll(
          async () =>
            (await platform.api('GET', `/api/sessions/${s.id}/preview/7071/`, undefined, s.token)).body,
          {
            timeout: 10_000,
          },
        )
        .toBe(`preview on ${member}\n`);
      const tried = await inMachine(other, `timeout 3 bash -c 'echo > /dev/tcp/${ip}/7070' && echo OPEN`);
      expect(tried.stdout, `${await locationOf(other)} reaching ${ip}`).not.toContain('OPEN');
    }
    // Through its own member, a machine reaches the lab's ports only: not the server's own port.
    const gateway = cluster.serverEnv.DOCKYARD_INCUS_SUBNET.split('/')[0];
    const port = new URL(platform.url).port;
    for (const s of [a, b]) {
      const tried = await inMachine(s, `timeout 3 bash -c 'echo > /dev/tcp/${gateway}/${port}' && echo OPEN`);
      expect(tried.stdout).not.toContain('OPEN');
    }
    // And should a member send more than its gateway does, the server's host lets lab addresses
    // reach the lab's ports only: here from member 1 itself, as the gateway address.
    const m1 = cluster.members[0]!;
    const connect = async (toPort: number | string) => {
      const script = `const s=require('net').connect({host:'${m1.uplink.host}',port:${toPort},localAddress:'${gateway}'});s.on('connect',()=>{console.log('open');process.exit()});s.on('error',e=>{console.log(e.code);process.exit()});setTimeout(()=>{console.log('blocked');process.exit()},3000)`;
      const r = await execFile('ip', ['netns', 'exec', m1.netns, process.execPath, '-e', script]);
      return r.stdout.trim();
    };
    expect(await connect(loadConfig().hub.port)).toBe('open');
    expect(await connect(port)).toBe('blocked');
  }, 120_000);

  it("lets a class's instructor watch and help in a learner's terminal on either member", async () => {
    const teacher = await newInstructor(platform, ADMIN, 'cluster-teacher');
    const created = await platform.api(
      'POST',
      '/api/classes',
      { name: 'Across members', capacity: 5 },
      undefined,
      teacher,
    );
    expect(created.status).toBe(201);
    const learners: { member: string; session: Session; id: string }[] = [];
    // Members on one host read the same free memory: the one with fewer machines gets the next,
    // so two learners land one on each member.
    for (const name of ['Ada', 'Grace']) {
      const joined = await fetch(`${platform.url}/api/classes/join`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code: created.body.code, name }),
      });
      const cookie = joined.headers.get('set-cookie')!.split(';')[0]!;
      const session = await platform.session('containers-and-vms', cookie);
      const roster = await platform.api(
        'GET',
        `/api/classes/${created.body.id}/roster`,
        undefined,
        undefined,
        teacher,
      );
      const id = (roster.body.learners as { id: string; name: string }[]).find((l) => l.name === name)!.id;
      learners.push({ member: await locationOf(session), session, id });
    }
    expect(learners.map((l) => l.member).sort()).toEqual(['m1', 'm2']);
    for (const { member, session, id } of learners) {
      const own = await prompt(session);
      const url = (mode: string) =>
        `${platform.wsUrl}/api/classes/${created.body.id}/learners/${id}/terminal?mode=${mode}`;
      const watcher = await TerminalClient.open(url('watch'), { headers: teacher });
      own.type(`echo typed-on-${member}\r`);
      await watcher.waitFor(new RegExp(`typed-on-${member}`));
      const helper = await TerminalClient.open(url('help'), { headers: teacher });
      helper.type(`echo helped-on-$(hostname)-${member}\r`);
      await own.waitFor(new RegExp(`helped-on-dockyard-${member}`));
      await Promise.all([watcher.close(), helper.close(), own.close()]);
      await platform.api('DELETE', `/api/sessions/${session.id}`, undefined, session.token);
    }
  }, 240_000);

  it('gives a lesson with two machines both on one member, joined by their own network', async () => {
    const pair = await platform.session('two-machines');
    const node2 = { ...pair, id: machineOf(pair.id, 'node2') };
    expect(await locationOf(node2)).toBe(await locationOf(pair));
    const reached = await inMachine(node2, 'hostname; ping -c 1 -W 2 node1 >/dev/null && echo reached');
    expect(reached.stdout.trim().split('\n')).toEqual(['node2', 'reached']);
    await platform.api('DELETE', `/api/sessions/${pair.id}`, undefined, pair.token);
    const networks = JSON.parse((await cluster.incus('query', '/1.0/networks?recursion=1')).stdout) as {
      config: Record<string, string> | null;
    }[];
    expect(networks.filter((n) => n.config?.['user.dockyard.session'] === pair.id)).toEqual([]);
  }, 240_000);

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
