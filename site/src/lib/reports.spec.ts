import { describe, expect, it } from 'vitest';
import { lastNonEmptyLines, type TerminalBufferLike } from './reports.ts';

const bufferOf = (lines: string[]): TerminalBufferLike => ({
  length: lines.length,
  getLine: (i) => (lines[i] === undefined ? undefined : { translateToString: () => lines[i]!.trimEnd() }),
});

describe('lastNonEmptyLines', () => {
  it('answers the last lines that are not blank, oldest first', () => {
    const buffer = bufferOf(['one', '', '$ docker ps   ', 'CONTAINER ID', '   ', '']);
    expect(lastNonEmptyLines(buffer, 2)).toEqual(['$ docker ps', 'CONTAINER ID']);
    expect(lastNonEmptyLines(buffer)).toEqual(['one', '$ docker ps', 'CONTAINER ID']);
  });

  it('stops at 50 by default, and answers none for an empty screen', () => {
    const many = bufferOf(Array.from({ length: 120 }, (_, i) => `line ${i}`));
    const last = lastNonEmptyLines(many);
    expect(last).toHaveLength(50);
    expect(last[0]).toBe('line 70');
    expect(last.at(-1)).toBe('line 119');
    expect(lastNonEmptyLines(bufferOf(['', '  ']))).toEqual([]);
  });
});
