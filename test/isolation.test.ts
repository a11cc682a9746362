import net from 'node:net';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { addressesOf, incus, inSandbox, limitsOf, runtime } from './helpers/sandbox-host.ts';
import { Platform } from './helpers/platform.ts';

/** Tries a TCP connection from a sandbox; "open", "refused" (reachable, nothing listens) or "blocked". */
async function tcpFrom(
  sessionId: string,
  host: string,
  port: number,
): Promise<'open' | 'refused' | 'blocked'> {
  const r = await inSandbox(sessionId, `timeout 2 bash -c 'echo > /dev/tcp/${host}/${port}' && echo OPEN`);
  if (r.stdout.includes('OPEN')) return 'open';
  return /refused/i.test(r.stderr) ? 'refused' : 'blocked';
}

const ipOf = async (sessionId: string) => (await addressesOf(sessionId)).ip;
const gatewayOf = async (sessionId: string) => (await addressesOf(sessionId)).gateway;

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = Date.now();
  const value = await fn();
  return { value, ms: Date.now() - start };
}

// The security baseline of docs/operations.md, each point against real sandboxes.
describe('sandbox isolation', () => {
  const platform = new Platform();
  let a: { id: string; token: string };
  let b: { id: string; token: string };
  let hostListener: net.Server;
  let hostPort = 0;
  /** Connections the host's listener got: none may come from a sandbox. */
  let hostConnections = 0;

  beforeAll(async () => {
    await platform.start();
    [a, b] = await Promise.all([platform.session(), platform.session()]);
    hostListener = net.createServer((s) => {
      hostConnections++;
      s.end('host-secret\n');
    });
    await new Promise<void>((r) => hostListener.listen(0, '0.0.0.0', r));
    hostPort = (hostListener.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    hostListener?.close();
    for (const s of [a, b]) if (s) await platform.api('DELETE', `/api/sessions/${s.id}`, undefined, s.token);
    await platform.stop();
  });

  it('reaches the lab hub (as Docker Hub, over TLS it trusts) and the package proxy', async () => {
    const hub = await inSandbox(
      a.id,
      'curl -s -m 20 -o /dev/null -w "%{http_code}" https://registry-1.docker.io/v2/',
    );
    expect(hub.stdout).toBe('401'); // the registry wants a token: it is there
    const proxy = await inSandbox(
      a.id,
      'curl -s -m 20 -o /dev/null -w "%{http_code}" -x http://hub.dockyard.internal:3142 http://deb.debian.org/debian/dists/trixie/Release',
    );
    expect(proxy.stdout).toBe('200');
  });

  it('cannot reach another sandbox', async () => {
    // A listener in B, proven reachable from the host, is not reachable from A.
    await inSandbox(
      b.id,
      `nohup perl -MIO::Socket::INET -e '$s=IO::Socket::INET->new(LocalPort=>7070,Listen=>5,ReuseAddr=>1) or die; while($c=$s->accept){print $c "b-secret\\n"; close $c}' >/dev/null 2>&1 &`,
    );
    const bIp = await ipOf(b.id);
    const fromHost = () =>
      new Promise<string>((resolve) => {
        const sock = net.connect(7070, bIp);
        sock.on('data', (d) => resolve(d.toString()));
        sock.on('error', (e) => resolve(e.message));
      });
    let answer = '';
    for (let i = 0; i < 50 && !answer.includes('b-secret'); i++) {
      answer = await fromHost();
      if (!answer.includes('b-secret')) await new Promise((r) => setTimeout(r, 100));
    }
    expect(answer).toMatch(/b-secret/);
    expect(await tcpFrom(a.id, bIp, 7070)).toBe('blocked');
    const ping = await inSandbox(a.id, `ping -c 1 -W 2 ${bIp}`);
    expect(ping.code).not.toBe(0);
  });

  it.skipIf(runtime !== 'incus')(
    "cannot send as another learner's machine: a spoofed source address is dropped on the bridge",
    async () => {
      const hub = (from: string) =>
        `curl -s -m 5 --interface ${from} -o /dev/null -w "%{http_code}" https://registry-1.docker.io/v2/`;
      const own = await ipOf(a.id);
      const bIp = await ipOf(b.id);
      const r = await inSandbox(
        a.id,
        `ip addr add ${bIp}/22 dev eth0; echo "own=$(${hub(own)})"; echo "spoofed=$(${hub(bIp)})"; ip addr del ${bIp}/22 dev eth0`,
        'root',
      );
      expect(r.stdout).toContain('own=401');
      expect(r.stdout).toContain('spoofed=000');
    },
  );

  it.skipIf(runtime !== 'incus')(
    "leaves none of a machine's filter rules on the host once it ends",
    async () => {
      const c = await platform.session();
      const veth = (
        await incus('config', 'get', `dockyard-${c.id}`, 'volatile.eth0.host_name')
      ).stdout.trim();
      expect(veth).toMatch(/^veth/);
      const rules = () => execFileSync('nft', ['list', 'ruleset'], { encoding: 'utf8' });
      expect(rules()).toContain(veth);
      await platform.api('DELETE', `/api/sessions/${c.id}`, undefined, c.token);
      for (let i = 0; i < 50 && (await incus('info', `dockyard-${c.id}`)).code === 0; i++)
        await new Promise((r) => setTimeout(r, 200));
      // The xtables driver left every one of them behind (ebtables-nft): thousands, after a day.
      expect(rules()).not.toContain(veth);
      expect(rules()).not.toContain(`dockyard-${c.id}`);
    },
    120_000,
  );

  it("cannot reach the server's port or any other host port", async () => {
    const gateway = await gatewayOf(a.id);
    const serverPort = Number(new URL(platform.url).port);
    expect(await tcpFrom(a.id, gateway, serverPort)).toBe('blocked');
    expect(await tcpFrom(a.id, gateway, hostPort)).toBe('blocked');
    // An address the sandbox has itself (its own Docker engine's docker0 is 172.17.0.1, as the
    // host's may be) is answered inside the sandbox, not by the host: those are left out, and the
    // host's listener counts every connection it gets, which must stay at none.
    const own = (await inSandbox(a.id, "ip -4 -o addr | awk '{print $4}' | cut -d/ -f1")).stdout.split('\n');
    const hostIps = Object.values(os.networkInterfaces())
      .flat()
      .filter((i) => i && i.family === 'IPv4' && !i.internal && !own.includes(i.address))
      .map((i) => i!.address);
    expect(hostIps.length).toBeGreaterThan(0);
    expect(await Promise.all(hostIps.map((ip) => tcpFrom(a.id, ip, hostPort)))).toEqual(
      hostIps.map(() => 'blocked'),
    );
    // Even with a route added by the learner (they are root in their machine), nothing opens.
    await inSandbox(a.id, `ip route add default via ${gateway} 2>/dev/null || true`, 'root');
    expect(await Promise.all(hostIps.map((ip) => tcpFrom(a.id, ip, hostPort)))).toEqual(
      hostIps.map(() => 'blocked'),
    );
    expect(await tcpFrom(a.id, gateway, serverPort)).toBe('blocked');
    expect(hostConnections).toBe(0);
  }, 120_000);

  it('has no way out to the internet, and says so at once', async () => {
    const r = await timed(() =>
      inSandbox(a.id, 'curl -s -m 8 -o /dev/null http://deb.debian.org/; echo "curl=$?"'),
    );
    expect(r.value.stdout).toMatch(/curl=6/); // could not resolve: the lab DNS answers NXDOMAIN
    expect(r.ms).toBeLessThan(3000);
    const byAddress = await inSandbox(a.id, 'curl -s -m 3 -o /dev/null http://203.0.113.80/; echo "curl=$?"');
    expect(byAddress.stdout).toMatch(/curl=(7|28)/); // no route, or nothing answers
  });

  it('contains a memory hog: the hog is killed, the sandbox and the server carry on', async () => {
    const hog = await inSandbox(a.id, 'head -c 3G /dev/zero | tail > /dev/null; echo exit=$?');
    expect(hog.stdout).toMatch(/exit=(137|1)/);
    expect((await inSandbox(a.id, 'echo alive')).stdout.trim()).toBe('alive');
    expect((await platform.api('GET', '/api/health')).status).toBe(200);
  });

  it('contains a fork bomb: the server and other sandboxes stay responsive', async () => {
    await inSandbox(a.id, `nohup bash -c ':(){ :|:& };:' >/dev/null 2>&1 &`);
    await new Promise((r) => setTimeout(r, 3000));
    expect((await limitsOf(a.id)).pids).toBeGreaterThan(0);
    const health = await timed(() => platform.api('GET', '/api/health'));
    expect(health.value.status).toBe(200);
    expect(health.ms).toBeLessThan(5000);
    const other = await timed(() => inSandbox(b.id, 'echo responsive'));
    expect(other.value.stdout.trim()).toBe('responsive');
    expect(other.ms).toBeLessThan(10_000);
    const check = await timed(() =>
      platform.api(
        'POST',
        `/api/sessions/${b.id}/exercises/first-container/run-hello-world/check`,
        undefined,
        b.token,
      ),
    );
    expect(check.value.status).toBe(200);
  });
});
