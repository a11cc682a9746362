import { describe, expect, it } from 'vitest';
import {
  checkPageLimits,
  maxDirectiveNesting,
  maxFootnotes,
  maxIndentColumns,
  maxInlineLoad,
  maxPageBlocks,
  maxPageBytes,
  maxPageNesting,
  maxParagraphBrackets,
  maxParagraphMarks,
} from './page-limits.ts';
import { renderPage } from './render-page.ts';

const context = { exercises: [], quizzes: [] };

function refusedAt(markdown: string): number | undefined {
  return checkPageLimits(markdown)?.line;
}

describe('checkPageLimits', () => {
  it('counts the size in UTF-8 bytes', () => {
    expect(checkPageLimits('x'.repeat(maxPageBytes))).toBeUndefined();
    expect(checkPageLimits('x'.repeat(maxPageBytes + 1))?.message).toMatch(/at most 1 MiB/);
    expect(checkPageLimits('é'.repeat(maxPageBytes / 2))).toBeUndefined();
    expect(checkPageLimits(`${'é'.repeat(maxPageBytes / 2)}x`)?.line).toBe(1);
  });

  it('refuses quotes and list markers nested deeper than the limit, on that line', () => {
    expect(refusedAt(`${'> '.repeat(maxPageNesting)}x`)).toBeUndefined();
    expect(refusedAt(`a\n\n${'> '.repeat(maxPageNesting + 1)}x`)).toBe(3);
    expect(refusedAt(`${'>'.repeat(100_000)} x`)).toBe(1);
    expect(refusedAt(`${'- '.repeat(maxPageNesting + 1)}x`)).toBe(1);
    expect(refusedAt(`${'1. '.repeat(maxPageNesting)}x`)).toBeUndefined();
    expect(refusedAt(`${'1) '.repeat(maxPageNesting + 1)}x`)).toBe(1);
    expect(refusedAt(`${'> - '.repeat(maxPageNesting / 2)}x`)).toBeUndefined();
    expect(refusedAt(`${'> - '.repeat(maxPageNesting / 2 + 1)}x`)).toBe(1);
  });

  it('refuses indentation past the limit (lists nested by indentation alone)', () => {
    expect(refusedAt(`${' '.repeat(maxIndentColumns)}x`)).toBeUndefined();
    expect(refusedAt(`a\n${' '.repeat(maxIndentColumns + 1)}x`)).toBe(2);
    expect(refusedAt(`${'\t'.repeat(maxIndentColumns / 4 + 1)}x`)).toBe(1);
    const staircase = Array.from({ length: 100 }, (_, depth) => `${'  '.repeat(depth)}- a`).join('\n');
    expect(refusedAt(staircase)).toBe(maxIndentColumns / 2 + 2);
  });

  it('refuses container directives nested deeper than the limit, counting closes', () => {
    const nested = (depth: number): string => `${':::a\n'.repeat(depth)}x\n${':::\n'.repeat(depth)}`;
    expect(refusedAt(nested(maxDirectiveNesting).repeat(3))).toBeUndefined();
    expect(refusedAt(nested(maxDirectiveNesting + 1))).toBe(maxDirectiveNesting + 1);
    expect(refusedAt(':::a\n'.repeat(10_000))).toBe(maxDirectiveNesting + 1);
  });

  it('refuses a paragraph with too many emphasis marks or brackets, on its first line', () => {
    expect(refusedAt('*a '.repeat(maxParagraphMarks))).toBeUndefined();
    expect(refusedAt(`x\n\n${'*a\n'.repeat(maxParagraphMarks + 1)}`)).toBe(3);
    expect(refusedAt('_'.repeat(maxParagraphMarks + 1))).toBe(1);
    expect(refusedAt('['.repeat(maxParagraphBrackets))).toBeUndefined();
    expect(refusedAt(`${'!['.repeat(maxParagraphBrackets + 1)}a`)).toBe(1);
  });

  it('counts marks per paragraph, list item and table row, not per page', () => {
    const marks = (count: number): string => '*'.repeat(count);
    const half = marks(maxParagraphMarks / 2 + 1);
    expect(refusedAt(`${half}\n${half}`)).toBe(1);
    expect(refusedAt(`${half}\n\n${half}`)).toBeUndefined();
    expect(refusedAt(`- ${half}\n- ${half}`)).toBeUndefined();
    expect(refusedAt(`| ${half} |\n|---|\n| ${half} |`)).toBeUndefined();
    expect(refusedAt(`# ${half}\n${half}`)).toBeUndefined();
  });

  it('limits the paragraphs near the limit a page may have in all', () => {
    const full = `${'*'.repeat(maxParagraphMarks)}\n\n`;
    expect(refusedAt(full.repeat(maxInlineLoad))).toBeUndefined();
    expect(refusedAt(full.repeat(maxInlineLoad + 1))).toBe(2 * maxInlineLoad + 1);
    // Ordinary paragraphs add next to nothing: 5,000 of them with 20 marks each.
    expect(
      refusedAt('Some **bold**, *emphasis* and a_snake_case_name, __init__ too.\n\n'.repeat(5_000)),
    ).toBeUndefined();
  });

  it('does not count what is inside fenced code', () => {
    const code = `${'*'.repeat(maxParagraphMarks * 2)}\n${' '.repeat(maxIndentColumns * 2)}x\n${':::a\n'.repeat(10)}`;
    expect(refusedAt(`\`\`\`\n${code}\`\`\`\n`)).toBeUndefined();
    expect(refusedAt(`~~~~md\n${code}~~~\n~~~~\n`)).toBeUndefined();
    expect(refusedAt(`- item\n\n  \`\`\`\n  ${'*'.repeat(maxParagraphMarks * 2)}\n  \`\`\``)).toBeUndefined();
  });

  it('counts again once the fence ended with its quote, list item or container', () => {
    const bomb = '*'.repeat(maxParagraphMarks + 1);
    expect(refusedAt(`> \`\`\`\n> code\n\n${bomb}`)).toBe(4);
    expect(refusedAt(`- \`\`\`\n  code\n${bomb}`)).toBe(3);
    expect(refusedAt(`:::hint\n\`\`\`\n:::\n${bomb}`)).toBe(4);
  });

  it('refuses more blocks than the limit, counting each list item, table row and code block', () => {
    expect(refusedAt('a\n\n'.repeat(maxPageBlocks))).toBeUndefined();
    expect(refusedAt('a\n\n'.repeat(maxPageBlocks + 1))).toBe(2 * maxPageBlocks + 1);
    expect(refusedAt('- a\n'.repeat(maxPageBlocks + 1))).toBe(maxPageBlocks + 1);
    expect(refusedAt(`| a |\n${'| 1 |\n'.repeat(maxPageBlocks)}`)).toBe(maxPageBlocks + 1);
    expect(refusedAt('```\nx\n```\n'.repeat(maxPageBlocks + 1))).toBe(3 * maxPageBlocks + 1);
    // Lines of one paragraph, and lines inside code, are not blocks.
    expect(refusedAt('a\n'.repeat(maxPageBlocks * 2))).toBeUndefined();
    expect(refusedAt(`\`\`\`\n${'a\n\n'.repeat(maxPageBlocks * 2)}\`\`\``)).toBeUndefined();
  });

  it('refuses more footnote references than the limit', () => {
    expect(refusedAt('x[^1]\n\n'.repeat(maxFootnotes))).toBeUndefined();
    expect(refusedAt(`a\n\n${'x[^1]\n\n'.repeat(maxFootnotes + 1)}`)).toBe(1 + 2 * (maxFootnotes + 1));
  });

  it('makes renderPage answer one problem and no HTML', () => {
    const page = renderPage(`Intro\n\n${'> '.repeat(maxPageNesting + 1)}x`, context);
    expect(page).toEqual({
      html: '',
      problems: [{ line: 3, field: 'page', message: expect.stringMatching(/nested more than 32 deep/) }],
    });
  });
});
