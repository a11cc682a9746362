import fs from 'node:fs';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Platform } from './helpers/platform.ts';
import { addressesOf, inSandbox, runtime } from './helpers/sandbox-host.ts';
import { TerminalClient } from './helpers/terminal-client.ts';

/** The device number of the host's root file system: what a learner would mknod to read the disk. */
const rootDev = fs.statSync('/').dev;
const hostDisk = { major: (rootDev >> 8) & 0xfff, minor: (rootDev & 0xff) | ((rootDev >> 12) & 0xfff00) };

/**
 * The same probes on either runtime, none of them harmful to the host: each writes back the value
 * it read, only reads, or changes its own machine's mounts. On Docker they succeed (that runtime is for trusted learners, and says
 * so); on Incus each is refused. `npm test` runs this file on both runtimes.
 */
describe(`what root in a sandbox can do to the host on ${runtime}`, () => {
  const platform = new Platform();
  let a: { id: string; token: string };
  const asRoot = (script: string) => inSandbox(a.id, script, 'root');
  const outcome = async (script: string) => ((await asRoot(script)).code === 0 ? 'done' : 'refused');
  const expected = runtime === 'docker' ? 'done' : 'refused';

  beforeAll(async () => {
    await platform.start();
    a = await platform.session();
  }, 240_000);
  afterAll(() => platform.stop());

  it(`core_pattern (host code execution on the next crash): ${expected}`, async () => {
    expect(
      await outcome(
        'cat /proc/sys/kernel/core_pattern > /tmp/p && cat /tmp/p > /proc/sys/kernel/core_pattern',
      ),
    ).toBe(expected);
  });
  it(`a host-wide vm.* tunable: ${expected}`, async () => {
    expect(await outcome('sysctl -q -w vm.swappiness=$(cat /proc/sys/vm/swappiness)')).toBe(expected);
  });
  it(`remounting the host's /sys writable: ${expected}`, async () => {
    expect(await outcome('mount -o remount,rw /sys')).toBe(expected);
  });
  it(`the host's whole disk under /var/lib/docker: ${runtime === 'docker' ? 'seen' : 'a quota instead'}`, async () => {
    const r = await asRoot('df -B1 --output=size /var/lib/docker | tail -1');
    const size = Number(r.stdout.trim());
    const host = fs.statfsSync('/').blocks * fs.statfsSync('/').bsize;
    // On Incus df shows the btrfs pool (the quota itself is proven by the disk-filling case below).
    if (runtime === 'docker') expect(size).toBe(host);
    else expect(size).toBeLessThan(host);
  });
});

/**
 * A hostile learner with sudo, acting from their own machine. Each case is something root inside
 * a sandbox could try against the host, the lab or another learner; on the Incus runtime every one
 * is refused. (On DOCKYARD_RUNTIME=docker the kernel and device cases succeed: that runtime is for
 * trusted learners only, and docs/operations.md says so.)
 */
describe.runIf(runtime === 'incus')('a hostile learner with sudo', () => {
  const platform = new Platform();
  let a: { id: string; token: string };
  let b: { id: string; token: string };
  let lab: { ip: string; gateway: string };
  let other: { ip: string; gateway: string };
  const port = () => new URL(platform.url).port;

  /** Runs as root in the attacker's machine; prints RESULT=<exit code> last. */
  const root = async (script: string, timeoutSeconds = 20) =>
    inSandbox(
      a.id,
      `timeout ${timeoutSeconds} sh -c '${script.replace(/'/g, `'\\''`)}'; echo "RESULT=$?"`,
      'root',
    );
  const refused = async (script: string) => {
    const r = await root(script);
    expect(r.stdout, `${script}\n${r.stdout}\n${r.stderr}`).toMatch(/RESULT=[1-9]/);
    return r;
  };
  /** "open", "refused" (reachable, nothing listens) or "blocked". */
  const tcp = async (host: string, target: number) => {
    const r = await inSandbox(a.id, `timeout 3 bash -c 'echo > /dev/tcp/${host}/${target}' && echo OPEN`);
    if (r.stdout.includes('OPEN')) return 'open';
    return /refused/i.test(r.stderr) ? 'refused' : 'blocked';
  };

  beforeAll(async () => {
    await platform.start();
    [a, b] = await Promise.all([platform.session(), platform.session()]);
    lab = await addressesOf(a.id);
    other = await addressesOf(b.id);
  }, 240_000);
  afterAll(() => platform.stop());

  describe('the host kernel', () => {
    it('cannot set core_pattern (host code execution on the next crash)', async () => {
      const before = await root('cat /proc/sys/kernel/core_pattern');
      await refused('echo "|/tmp/evil" > /proc/sys/kernel/core_pattern');
      expect((await root('cat /proc/sys/kernel/core_pattern')).stdout).toBe(before.stdout);
    });
    it('cannot change host-wide vm.* tunables', () => refused('sysctl -w vm.swappiness=99'));
    it('cannot drop the host page cache', () => refused('echo 3 > /proc/sys/vm/drop_caches'));
    it('cannot set the kernel module helper', () => refused('echo /tmp/evil > /proc/sys/kernel/modprobe'));
    it('cannot raise fs.file-max', () => refused('sysctl -w fs.file-max=100'));
    it('cannot trigger SysRq (reboot or crash the host)', () => refused('echo h > /proc/sysrq-trigger'));
    it('cannot remount /sys writable', () => refused('mount -o remount,rw /sys'));
    it('cannot write host /sys knobs', () =>
      refused('echo never > /sys/kernel/mm/transparent_hugepage/enabled'));
    it('cannot load kernel modules', () => refused('modprobe -q dummy && test -d /sys/module/dummy'));
    it('cannot set the host clock', () => refused('date -s "2001-01-01 00:00:00"'));
    it('cannot turn on swap', () =>
      refused(
        'dd if=/dev/zero of=/swapfile bs=1M count=8 2>/dev/null && mkswap /swapfile >/dev/null && swapon /swapfile',
      ));
    it('cannot read kernel memory', () => refused('head -c 16 /proc/kcore > /dev/null'));
  });

  describe('host devices and file systems', () => {
    it("cannot make a node of the host's disk and read it", () =>
      refused(`mknod /tmp/disk b ${hostDisk.major} ${hostDisk.minor} && head -c 512 /tmp/disk > /dev/null`));
    it('cannot make a node of physical memory', () => refused('mknod /tmp/mem c 1 1 && head -c 16 /tmp/mem'));
    it('cannot mount debugfs', () => refused('mkdir -p /mnt/d && mount -t debugfs none /mnt/d'));
    it("cannot mount the host's block devices", () =>
      refused('for d in /dev/vda /dev/sda /dev/loop0; do mount $d /mnt 2>/dev/null && exit 0; done; exit 1'));
    it('owns nothing on the host: its root is an unprivileged uid there', async () => {
      const map = await root('cat /proc/self/uid_map');
      const [inside, outside] = map.stdout.trim().split(/\s+/).map(Number);
      expect(inside).toBe(0);
      expect(outside).toBeGreaterThanOrEqual(100_000);
    });
  });

  describe('the network', () => {
    it('cannot reach another sandbox by address', async () => {
      expect(other.ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      expect(await tcp(other.ip, 22)).toBe('blocked');
      expect((await root(`ping -c 1 -W 2 ${other.ip}`)).stdout).toMatch(/RESULT=[1-9]/);
    });
    it("cannot take another sandbox's address", async () => {
      await root(`ip addr add ${other.ip}/32 dev eth0`);
      const r = await root(`curl -s -m 4 --interface ${other.ip} -o /dev/null http://${lab.gateway}:3142/`);
      await root(`ip addr del ${other.ip}/32 dev eth0`);
      expect(r.stdout).toMatch(/RESULT=[1-9]/);
    });
    it("cannot reach the platform's API port on the host", async () => {
      expect(await tcp(lab.gateway, Number(port()))).toBe('blocked');
    });
    it("cannot reach the hub's internal registry or other host ports", async () => {
      for (const p of [5001, 22, 3143, 53]) expect(await tcp(lab.gateway, p), `port ${p}`).toBe('blocked');
    });
    it("cannot reach the host through the host's other addresses", async () => {
      const addresses = Object.values(os.networkInterfaces())
        .flat()
        // 172.17.0.1 inside the sandbox is its own Docker engine's bridge, not the host.
        .filter((i) => i && i.family === 'IPv4' && !i.internal && i.address !== lab.gateway)
        .filter((i) => !i!.address.startsWith('172.17.'))
        .map((i) => i!.address);
      expect(addresses.length).toBeGreaterThan(0);
      for (const address of addresses) expect(await tcp(address, Number(port())), address).toBe('blocked');
    });
    it('cannot route out, even with a default route of its own', async () => {
      await root(`ip route replace default via ${lab.gateway} dev eth0`);
      const r = await root('curl -s -m 4 -o /dev/null http://203.0.113.80/');
      expect(r.stdout).toMatch(/RESULT=[1-9]/);
    });
    it('cannot tunnel through the package proxy with CONNECT', async () => {
      const r = await root(
        `curl -s -p -m 5 -x http://${lab.gateway}:3142 http://127.0.0.1:${port()}/api/health`,
      );
      expect(r.stdout).not.toContain('"ok"');
      expect(r.stdout).toMatch(/RESULT=[1-9]/);
    });
    it("cannot fetch the host's own URLs or the internet through the package proxy", async () => {
      for (const url of [
        `http://127.0.0.1:${port()}/api/health`,
        'http://example.com/',
        `http://${lab.gateway}:5001/v2/`,
      ]) {
        const r = await root(`curl -s -m 5 -x http://${lab.gateway}:3142 ${url}`);
        expect(r.stdout, url).toContain('The lab package proxy');
        expect(r.stdout, url).not.toContain('"ok"');
      }
    });
    it('still gets Debian packages through the package proxy', async () => {
      const r = await root(
        `curl -s -m 30 -o /dev/null -w "%{http_code}" -x http://${lab.gateway}:3142 http://deb.debian.org/debian/dists/trixie/Release`,
      );
      expect(r.stdout).toMatch(/^200/);
    });
  });

  describe("other learners' things", () => {
    it("cannot open another learner's terminal with its own token", async () => {
      await expect(
        TerminalClient.open(`${platform.wsUrl}/api/sessions/${b.id}/terminal?token=${a.token}`),
      ).rejects.toThrow();
    });
    it("cannot read another learner's session, hub account or checks", async () => {
      for (const path of [`/api/sessions/${b.id}`, `/api/sessions/${b.id}/hub`]) {
        const r = await platform.api('GET', path, undefined, a.token);
        expect([401, 403, 404], path).toContain(r.status);
      }
    });
    it("cannot get a preview ticket for another learner's port", async () => {
      const r = await platform.api('POST', `/api/sessions/${b.id}/preview/80`, undefined, a.token);
      expect([401, 403, 404]).toContain(r.status);
    });
  });

  describe('shared resources', () => {
    it('fills only its own disk, and the other learner can still write', async () => {
      const r = await root(
        'fallocate -l 12G /var/tmp/fill || dd if=/dev/zero of=/var/tmp/fill bs=1M count=12000',
        120,
      );
      expect(r.stdout + r.stderr).toMatch(/No space left|Disk quota exceeded/);
      const theirs = await inSandbox(b.id, 'head -c 100M /dev/zero > ~/mine && echo wrote');
      expect(theirs.stdout.trim()).toBe('wrote');
      await root('rm -f /var/tmp/fill');
    }, 180_000);
    it('is held to its memory limit', async () => {
      const hog = await inSandbox(a.id, 'head -c 3G /dev/zero | tail > /dev/null; echo exit=$?');
      expect(hog.stdout).toMatch(/exit=(137|1)/);
      expect((await inSandbox(b.id, 'echo alive')).stdout.trim()).toBe('alive');
    });
  });
});
