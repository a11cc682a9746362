import { describe, expect, it } from 'vitest';
import type { ExecResult } from '../../../engine/src/sandbox.ts';
import { boundedOutput, MAX_OUTPUT, waitForSandboxReady } from './sandbox-runtime.ts';

describe('boundedOutput', () => {
  it('keeps both streams whole while they are small', () => {
    const output = boundedOutput();
    output.stdout(Buffer.from('out'));
    output.stderr(Buffer.from('err'));
    expect(output.text()).toEqual({ stdout: 'out', stderr: 'err' });
  });

  it('keeps at most MAX_OUTPUT bytes of the two together, and takes the rest without failing', () => {
    const output = boundedOutput();
    output.stdout(Buffer.alloc(MAX_OUTPUT - 10, 'x'));
    output.stderr(Buffer.alloc(100, 'y'));
    for (let i = 0; i < 50; i++) output.stdout(Buffer.alloc(100_000, 'z'));
    const { stdout, stderr } = output.text();
    expect(stdout.length + stderr.length).toBe(MAX_OUTPUT);
    expect(stderr).toBe('y'.repeat(10));
  });
});

describe('waitForSandboxReady', () => {
  const answer = (exitCode: number, stdout = '', stderr = ''): ExecResult => ({ exitCode, stdout, stderr });

  it('asks once more when the machine does not take an exec yet, then waits inside it', async () => {
    const scripts: string[] = [];
    let calls = 0;
    await waitForSandboxReady(async (script) => {
      scripts.push(script);
      if (++calls === 1) throw new Error('Error: Instance is not running');
      return answer(0, 'ready\n');
    }, 5000);
    expect(scripts).toHaveLength(2);
    // One exec that loops in the machine, for about the time left, not a probe per 100 ms.
    expect(scripts[1]).toMatch(/while \[ \$i -lt (9\d|100) \]/);
    expect(scripts[1]).toContain('test -S /run/docker.sock');
  });

  it("gives up at the deadline with the machine's last words", async () => {
    const started = Date.now();
    await expect(
      waitForSandboxReady(async () => answer(1, '', 'Failed to connect to bus'), 600),
    ).rejects.toThrow(/did not finish booting within 0.6s: Failed to connect to bus/);
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
