import { describe, expect, it } from 'vitest';
import { csvCell, resultsCsv } from './results-csv.ts';
import type { Roster } from './roster.ts';

describe('the results CSV', () => {
  it('quotes cells with quotes, commas or line breaks, doubling the quotes', () => {
    expect(csvCell('Ada')).toBe('Ada');
    expect(csvCell('Lovelace, Ada')).toBe('"Lovelace, Ada"');
    expect(csvCell('Ada "the first"')).toBe('"Ada ""the first"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell(3)).toBe('3');
  });

  it('keeps a spreadsheet from running a name as a formula', () => {
    expect(csvCell('=HYPERLINK("http://evil","x")')).toBe(`"'=HYPERLINK(""http://evil"",""x"")"`);
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-2+3')).toBe("'-2+3");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\tcmd')).toBe("'\tcmd");
    expect(csvCell('Ada = 1')).toBe('Ada = 1');
  });

  it('has one row per learner: the name, then per exercise its state and attempts', () => {
    const roster = {
      stuckMinutes: 10,
      summary: {},
      learners: [
        {
          name: '=Ada, 🐳',
          exercises: { 'l/a': { state: 'passed', attempts: 2 }, 'l/b': { state: 'trying', attempts: 1 } },
        },
      ],
    } as unknown as Roster;
    expect(resultsCsv(roster, ['l/a', 'l/b'])).toBe(
      'name,l/a state,l/a attempts,l/b state,l/b attempts\r\n' + `"'=Ada, 🐳",passed,2,trying,1\r\n`,
    );
  });
});
