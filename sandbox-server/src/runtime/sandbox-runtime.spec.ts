import { describe, expect, it } from 'vitest';
import { boundedOutput, MAX_OUTPUT } from './sandbox-runtime.ts';

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
