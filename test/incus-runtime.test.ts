import crypto from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../sandbox-server/src/config.ts';
import { currentImageManifest } from '../sandbox-server/src/runtime/image-manifest.ts';
import { IncusApi, IncusError, IncusRuntime } from '../sandbox-server/src/runtime/incus-runtime.ts';
import { addressesHeld, toInt, toIp } from '../sandbox-server/src/runtime/lab-address.ts';
import { removeSandboxesOf, runtime, sandboxesOf } from './helpers/sandbox-host.ts';

/** The real Incus API, refusing the first `failures` machine starts as Incus does under load. */
class RefusingStarts extends IncusApi {
  starts = 0;
  constructor(private failures: number) {
    super();
  }
  override async operate(method: string, path: string, body?: unknown, timeoutSeconds?: number) {
    if (method === 'PUT' && path.endsWith('/state') && (body as { action?: string }).action === 'start') {
      this.starts++;
      if (this.failures > 0) {
        this.failures--;
        throw new IncusError('Failed to start: the operation timed out', 500);
      }
    }
    return super.operate(method, path, body, timeoutSeconds);
  }
}

// The Incus driver on the real Incus of this machine: a refused start is not the learner's problem.
describe.skipIf(runtime !== 'incus')('the Incus driver', () => {
  const config = loadConfig();
  const instance = `test-runtime-${crypto.randomBytes(4).toString('hex')}`;
  const [gateway, prefix] = config.incus.subnet.split('/');
  const driver = (api: IncusApi, subnet = { gateway: gateway!, prefixLength: Number(prefix) }) =>
    new IncusRuntime(api, {
      image: currentImageManifest(config.dataDir)().incusSandbox!,
      instance,
      pool: config.incus.pool,
      network: config.incus.network,
      ...subnet,
      labHostNames: [],
    });
  const limits = { memoryBytes: 512 * 1024 ** 2, nanoCpus: 1e9, pidsLimit: 512, diskBytes: 2 * 1024 ** 3 };

  afterAll(() => removeSandboxesOf(instance));

  it('clears away a machine whose start Incus refused and makes it again', async () => {
    const api = new RefusingStarts(1);
    const id = crypto.randomBytes(8).toString('hex');
    await driver(api).create(id, limits);
    expect(api.starts).toBe(2);
    expect(await driver(api).isRunning(id)).toBe(true);
    expect(await sandboxesOf(instance)).toEqual([`dockyard-${id}`]);
    await driver(api).remove(id);
  }, 120_000);

  it('gives up after a second refusal, and leaves no machine behind', async () => {
    const api = new RefusingStarts(2);
    const id = crypto.randomBytes(8).toString('hex');
    await expect(driver(api).create(id, limits)).rejects.toThrow(/timed out/);
    expect(await sandboxesOf(instance)).toEqual([]);
  }, 120_000);

  it('never gives a machine an address another one holds, and says so when none is left', async () => {
    // Eight addresses of the lab subnet that no machine holds, as if they were the whole of it:
    // five hosts (machines of earlier tests may still hold addresses anywhere else).
    const held = [...addressesHeld(await new IncusApi().get('/1.0/instances?recursion=1'))].map(toInt);
    const size = 2 ** (32 - Number(prefix));
    const first = toInt(gateway!) - (toInt(gateway!) % size);
    let block = first + size - 8;
    while (held.some((ip) => ip >= block && ip < block + 8)) block -= 8;
    expect(block).toBeGreaterThan(first);
    const blockGateway = toIp(block + 1);
    const small = driver(new IncusApi(), { gateway: blockGateway, prefixLength: 29 });
    const ids = Array.from({ length: 5 }, () => crypto.randomBytes(8).toString('hex'));
    // All settled, so that a failure leaves no creation running past afterAll's clean-up.
    const made = await Promise.allSettled(ids.map((id) => small.create(id, limits)));
    expect(made.filter((m) => m.status === 'rejected')).toEqual([]);
    for (const id of ids) expect(await small.isRunning(id)).toBe(true);
    const addresses = await Promise.all(
      ids.map(async (id) => {
        const record = await new IncusApi().get<{ devices: Record<string, Record<string, string>> }>(
          `/1.0/instances/dockyard-${id}`,
        );
        return record.devices.eth0!['ipv4.address'];
      }),
    );
    expect(new Set(addresses).size).toBe(5);

    const sixth = crypto.randomBytes(8).toString('hex');
    await expect(small.create(sixth, limits)).rejects.toThrow(/no free address/);
    expect((await sandboxesOf(instance)).sort()).toEqual(ids.map((id) => `dockyard-${id}`).sort());
    await Promise.all(ids.map((id) => small.remove(id)));
  }, 180_000);

  it("runs commands in the machine: output, exit code, the learner's groups, and a timeout that kills every process of the command", async () => {
    const id = crypto.randomBytes(8).toString('hex');
    const machine = driver(new IncusApi());
    await machine.create(id, limits);
    try {
      await machine.waitUntilReady(id, 60_000);
      expect(await machine.exec(id, 'echo out; echo err >&2; pwd; exit 3')).toEqual({
        exitCode: 3,
        stdout: 'out\n/root\n',
        stderr: 'err\n',
      });
      const learner = await machine.exec(id, 'id -un; id -Gn; pwd', { user: 'learner' });
      expect(learner.stdout).toMatch(/^learner\n.*\bdocker\b.*\n\/home\/learner\n$/);
      // Output past 1 MiB is cut, the command's own exit code kept.
      const big = await machine.exec(id, 'head -c 3000000 /dev/zero | tr "\\0" a');
      expect([big.exitCode, big.stdout.length]).toEqual([0, 1024 * 1024]);
      // A command and the child it started, both past the timeout: both are gone after it.
      await expect(
        machine.exec(id, 'sleep 300 & sleep 301; echo never', { timeoutMs: 1500, user: 'learner' }),
      ).rejects.toThrow(/did not finish|timed out|within/);
      let left = '';
      for (let i = 0; i < 20 && left !== '0'; i++) {
        left = (await machine.exec(id, 'pgrep -c -f "sleep 30[01]" || true')).stdout.trim();
        if (left !== '0') await new Promise((r) => setTimeout(r, 250));
      }
      expect(left).toBe('0');
    } finally {
      await machine.remove(id);
    }
    await expect(machine.exec(id, 'true')).rejects.toThrow(/stopped|not found/i);
  }, 120_000);
});
