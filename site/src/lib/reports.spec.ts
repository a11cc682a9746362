import { describe, expect, it } from 'vitest';
import { applyReport, lastNonEmptyLines, type Report, type TerminalBufferLike } from './reports.ts';

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

describe('applyReport', () => {
  const report = (id: string, minute: number, done = false): Report => ({
    id,
    lesson: 'volumes',
    section: '',
    learner: 'h',
    name: null,
    classId: null,
    text: id,
    terminal: null,
    createdAt: `2025-05-01T09:${String(minute).padStart(2, '0')}:00.000Z`,
    doneAt: done ? '2025-05-01T10:00:00.000Z' : null,
  });
  const ids = (list: Report[]) => list.map((r) => r.id);

  it('puts a new report on top, and one marked done or open again in its place', () => {
    const list = [report('b', 20), report('a', 10)];
    expect(ids(applyReport(list, report('c', 30), 'open'))).toEqual(['c', 'b', 'a']);
    expect(ids(applyReport(list, report('b', 20, true), 'all'))).toEqual(['b', 'a']);
    expect(applyReport(list, report('b', 20, true), 'all')[0]!.doneAt).not.toBeNull();
    expect(ids(applyReport([report('c', 30)], report('b', 20), 'open'))).toEqual(['c', 'b']);
  });

  it('leaves out what the filter does not show', () => {
    const list = [report('b', 20), report('a', 10)];
    expect(ids(applyReport(list, report('b', 20, true), 'open'))).toEqual(['a']);
    expect(ids(applyReport(list, report('c', 30), 'done'))).toEqual(['b', 'a']);
    expect(ids(applyReport([], report('a', 10, true), 'done'))).toEqual(['a']);
  });
});
