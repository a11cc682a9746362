import { Text } from '@codemirror/state';
import { describe, expect, it } from 'vitest';
import type { ContentProblem } from './class-exercises.ts';
import { describeProblem, problemDiagnostics } from './problem-marks.ts';

const doc = Text.of(['exercises:', '  - id: a', '', '    title: A']);
const problem = (line: number | null, input: ContentProblem['in'] = 'exercises'): ContentProblem => ({
  in: input,
  line,
  field: 'exercises[0].checks',
  message: 'Required',
});

describe('problemDiagnostics', () => {
  it('covers the problem’s line', () => {
    const [mark] = problemDiagnostics(doc, [problem(2)], 'exercises');
    expect(mark).toMatchObject({ from: 11, to: 20, severity: 'error', message: 'Required' });
    expect(doc.sliceString(mark!.from, mark!.to)).toBe('  - id: a');
  });

  it('marks an empty line at its start', () => {
    const [mark] = problemDiagnostics(doc, [problem(3)], 'exercises');
    expect(mark).toMatchObject({ from: 21, to: 21 });
  });

  it('clamps lines past either end, and puts a problem of the whole input on line 1', () => {
    const marks = problemDiagnostics(doc, [problem(0), problem(-4), problem(99), problem(null)], 'exercises');
    expect(marks.map((m) => doc.lineAt(m.from).number)).toEqual([1, 1, 4, 1]);
  });

  it('keeps only the problems of its own input', () => {
    const marks = problemDiagnostics(
      doc,
      [problem(1, 'page'), problem(2), problem(null, 'slug')],
      'exercises',
    );
    expect(marks).toHaveLength(1);
  });

  it('works on an empty document', () => {
    expect(problemDiagnostics(Text.of(['']), [problem(5)], 'exercises')[0]).toMatchObject({ from: 0, to: 0 });
  });
});

describe('describeProblem', () => {
  it('reads as `in line: field: message`', () => {
    expect(describeProblem(problem(8))).toBe('exercises line 8: exercises[0].checks: Required');
  });

  it('leaves out a missing line and an empty field', () => {
    expect(describeProblem({ in: 'slug', line: null, field: '', message: 'Taken.' })).toBe('slug: Taken.');
  });

  it('names the file of an import problem', () => {
    expect(
      describeProblem({ in: 'import', file: 'index.json', line: 3, field: '', message: 'Bad JSON.' }),
    ).toBe('import index.json line 3: Bad JSON.');
  });
});
