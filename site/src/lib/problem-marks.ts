import type { Text } from '@codemirror/state';
import type { Diagnostic } from '@codemirror/lint';
import type { ContentProblem } from './class-exercises.ts';

// A content problem (`{ in, line, field, message }`, docs/api.md) as a mark in its editor and as a
// line of the list under the editors.

/** The problem in one line: `exercises line 8: exercises[0].checks[0].kind: Invalid option`. */
export function describeProblem(problem: ContentProblem): string {
  const where = [problem.in, problem.file, problem.line == null ? undefined : `line ${problem.line}`]
    .filter(Boolean)
    .join(' ');
  return `${where}: ${problem.field ? `${problem.field}: ` : ''}${problem.message}`;
}

/**
 * The problems of one input as lint diagnostics over the document: each covers its line (a line past
 * either end is clamped to the first or last; a problem of the whole input, `line: null`, marks line 1).
 */
export function problemDiagnostics(
  doc: Text,
  problems: readonly ContentProblem[],
  input: ContentProblem['in'],
): Diagnostic[] {
  return problems
    .filter((p) => p.in === input)
    .map((p) => {
      const number = Math.min(Math.max(Math.trunc(p.line ?? 1) || 1, 1), doc.lines);
      const line = doc.line(number);
      return {
        from: line.from,
        to: line.to,
        severity: 'error',
        source: p.field || undefined,
        message: p.message,
      };
    });
}
