import { formatBytes } from '../bytes.ts';
import type { PageProblem } from './render-page.ts';

// Limits an instructor's page must keep before the Markdown parser sees it. The parser (micromark)
// takes time linear in the page for ordinary text, but high for each block, and more than linear for a
// few shapes: blocks nested hundreds deep (and thousands deep overflow the stack), and, inside one
// paragraph, emphasis or image brackets nested into each other (a 40 KB paragraph of nested `*` takes
// minutes). A line scan here finds those shapes in milliseconds and refuses the page, with the line,
// instead of blocking the server. It is deliberately conservative: it cannot tell code from text
// everywhere, so it counts too much rather than too little. Measured limits and costs:
// docs/authoring.md, "Instructor pages: rendering and safety".

/** The largest page rendered, in UTF-8 bytes: 1 MiB. */
export const maxPageBytes = 1024 * 1024;

/** Deepest nesting of blocks (quotes, list items, container directives) a page may have. */
export const maxPageNesting = 32;

/** Deepest nesting of container directives (`:::hint` holding a `:::run` is 2). */
export const maxDirectiveNesting = 4;

/** Most footnote references (`[^1]`) in a page. */
export const maxFootnotes = 500;

/**
 * Most blocks (paragraphs, headings, list items, table rows, directives, code blocks) in a page. The
 * parser's time is linear, but high for each block: 20,000 one-line blocks take a few seconds.
 */
export const maxPageBlocks = 20_000;

/** Most columns of indentation before a line's text (deep nesting by indentation alone). */
export const maxIndentColumns = 4 * maxPageNesting;

/** Most emphasis marks (`*`, `_`) in one paragraph, table row or list item. */
export const maxParagraphMarks = 1000;

/** Most opening brackets (`[`, as in links and images) in one paragraph, table row or list item. */
export const maxParagraphBrackets = 250;

/**
 * The page's paragraphs together: the sum over paragraphs of (marks / maxParagraphMarks)² +
 * (brackets / maxParagraphBrackets)² may not pass this, i.e. at most 8 paragraphs at a limit, since
 * the parser's cost grows with the square of each. Ordinary paragraphs (a few marks) add next to nothing.
 */
export const maxInlineLoad = 8;

interface Fence {
  marker: string;
  length: number;
  quotes: number;
  column: number;
}

interface Paragraph {
  line: number;
  marks: number;
  brackets: number;
}

/** The first limit the page breaks, as a problem; undefined when it keeps them all. */
export function checkPageLimits(markdown: string): PageProblem | undefined {
  const bytes = new TextEncoder().encode(markdown).length;
  if (bytes > maxPageBytes) {
    return {
      line: 1,
      field: 'page',
      message: `The page is ${formatBytes(bytes)}; a page may be at most ${formatBytes(maxPageBytes)}. Split it, or move long files into the exercise setup.`,
    };
  }

  let fence: Fence | undefined;
  let openContainers = 0;
  let paragraph: Paragraph | undefined;
  let load = 0;
  let footnotes = 0;
  let blocks = 0;
  const countBlock = (line: number): PageProblem | undefined => {
    blocks += 1;
    if (blocks <= maxPageBlocks) return undefined;
    return {
      line,
      field: 'page',
      message: `The page has more than ${maxPageBlocks.toLocaleString('en')} blocks (paragraphs, headings, list items, table rows, directives, code blocks) by this line; the page was not rendered. Split it.`,
    };
  };
  const endParagraph = (): PageProblem | undefined => {
    if (!paragraph) return undefined;
    load += (paragraph.marks / maxParagraphMarks) ** 2 + (paragraph.brackets / maxParagraphBrackets) ** 2;
    const { line } = paragraph;
    paragraph = undefined;
    if (load <= maxInlineLoad) return undefined;
    return {
      line,
      field: 'page',
      message: `The page has too many emphasis marks (* and _) and brackets ([) in paragraphs with many of them, up to this one; the page was not rendered. Put commands and code in code blocks, and split long paragraphs.`,
    };
  };

  const lines = markdown.split(/\r\n|\r|\n/);
  for (let index = 0; index < lines.length; index += 1) {
    const line = index + 1;
    const text = lines[index] ?? '';
    const prefix = scanPrefix(text);
    const rest = text.slice(prefix.restIndex);
    const blank = rest.trim() === '';

    if (fence) {
      // Inside a fenced code block nothing is parsed, unless the block ended with its container: a
      // quote or list item left, or a container directive closed (`:::` closes it even inside code).
      const left =
        prefix.quotes < fence.quotes || (!blank && prefix.column < fence.column) || /^:{3,}\s*$/.test(rest);
      if (!left) {
        if (closesFence(rest, fence)) fence = undefined;
        continue;
      }
      fence = undefined;
    }

    if (/^:{3,}\s*$/.test(rest)) openContainers = Math.max(0, openContainers - 1);
    else if (/^:{3,}[^\s:]/.test(rest)) openContainers += 1;
    if (openContainers > maxDirectiveNesting) {
      return {
        line,
        field: 'page',
        message: `Container directives (:::) are nested more than ${maxDirectiveNesting} deep here; the page was not rendered.`,
      };
    }
    if (
      prefix.quotes + prefix.listMarkers + openContainers > maxPageNesting ||
      prefix.indent > maxIndentColumns
    ) {
      return {
        line,
        field: 'page',
        message: `Blocks (quotes, lists, :::directives) are nested more than ${maxPageNesting} deep, or indented more than ${maxIndentColumns} columns, here; the page was not rendered.`,
      };
    }

    const opening = /^(`{3,}|~{3,})/.exec(rest);
    // Inline text cannot run across a blank line, a list item's start, a heading, a table row, a
    // directive or a fence, so each of those ends the paragraph being counted; a heading, a table row
    // and a directive line are counted as paragraphs of their own.
    const singleLine = /^(#{1,6}(?:[ \t]|$)|\||:{2,})/.test(rest);
    if (blank || opening || singleLine || prefix.listMarkers > 0) {
      const problem = endParagraph();
      if (problem) return problem;
    }
    if (opening?.[1]) {
      const tooMany = countBlock(line);
      if (tooMany) return tooMany;
      fence = {
        marker: opening[1][0] ?? '`',
        length: opening[1].length,
        quotes: prefix.quotes,
        column: prefix.column,
      };
      continue;
    }
    if (blank) continue;

    if (!paragraph) {
      const tooMany = countBlock(line);
      if (tooMany) return tooMany;
      paragraph = { line, marks: 0, brackets: 0 };
    }
    let previous = '';
    for (const char of rest) {
      if (char === '*' || char === '_') paragraph.marks += 1;
      else if (char === '[') paragraph.brackets += 1;
      else if (char === '^' && previous === '[') footnotes += 1;
      previous = char;
    }
    if (footnotes > maxFootnotes) {
      return {
        line,
        field: 'page',
        message: `The page has more than ${maxFootnotes} footnote references ([^…]) by this line; the page was not rendered.`,
      };
    }
    if (paragraph.marks > maxParagraphMarks || paragraph.brackets > maxParagraphBrackets) {
      return {
        line: paragraph.line,
        field: 'page',
        message: `This paragraph has more than ${maxParagraphMarks} emphasis marks (* and _) or ${maxParagraphBrackets} brackets ([); the page was not rendered. Put commands and code in code blocks, and split long paragraphs.`,
      };
    }
    if (singleLine) {
      const problem = endParagraph();
      if (problem) return problem;
    }
  }
  return endParagraph();
}

interface Prefix {
  /** `>` markers before the text. */
  quotes: number;
  /** List item markers (`-`, `+`, `*`, `1.`, `1)`) before the text. */
  listMarkers: number;
  /** Columns of spaces and tabs before the text. */
  indent: number;
  /** The column the text starts at. */
  column: number;
  /** The index in the line the text starts at. */
  restIndex: number;
}

/** Reads the quote and list markers and the indentation a line starts with. */
function scanPrefix(text: string): Prefix {
  const prefix: Prefix = { quotes: 0, listMarkers: 0, indent: 0, column: 0, restIndex: 0 };
  let index = 0;
  while (index < text.length) {
    const char = text[index];
    if (char === ' ') {
      prefix.indent += 1;
      prefix.column += 1;
    } else if (char === '\t') {
      const width = 4 - (prefix.column % 4);
      prefix.indent += width;
      prefix.column += width;
    } else if (char === '>') {
      // A quote marker takes the one space after it, a list marker the space or tab after it: that
      // space is part of the marker, not indentation.
      prefix.quotes += 1;
      const space = text[index + 1] === ' ' ? 1 : 0;
      prefix.column += 1 + space;
      index += space;
    } else if ((char === '-' || char === '+' || char === '*') && /[ \t]/.test(text[index + 1] ?? '')) {
      prefix.listMarkers += 1;
      prefix.column += 2;
      index += 1;
    } else {
      const ordered = /^\d{1,9}[.)][ \t]/.exec(text.slice(index, index + 12));
      if (!ordered) break;
      prefix.listMarkers += 1;
      prefix.column += ordered[0].length;
      index += ordered[0].length - 1;
    }
    index += 1;
  }
  prefix.restIndex = index;
  return prefix;
}

function closesFence(rest: string, fence: Fence): boolean {
  const closing = /^(`{3,}|~{3,})\s*$/.exec(rest);
  return closing?.[1]?.[0] === fence.marker && closing[1].length >= fence.length;
}
