// Turns one Killercoda Markdown file (a step's text, the intro, the finish) into Markdown with
// Dockyard's directives (docs/authoring.md, "Instructor pages"). Killercoda marks code as runnable or
// copyable by a marker right after it: `cmd`{{exec}} inline, or a fenced block whose closing fence is
// followed by {{exec}} / {{copy}}. Those become ::run[…] / ::copy[…] (a multi-line block becomes the
// container form :::run with the code block inside). What has no equivalent is reported, never dropped
// silently; the caller decides what a report entry's file is.

/** Something in a file that could not be carried over as it was. */
export interface ReportEntry {
  /** The file, relative to the scenario folder, e.g. `step1/text.md` or `index.json`. */
  file: string;
  /** 1-based line in that file, when the problem has one. */
  line?: number;
  message: string;
}

/** A Markdown file in Dockyard's syntax, and the commands it marks as runnable, in page order. */
export interface ConvertedMarkdown {
  markdown: string;
  runs: string[];
}

type Directive = 'run' | 'copy';

interface Marker {
  /** `run` for {{exec}}/{{execute}}, `copy` for {{copy}}, `plain` for {{}} (Killercoda: do not copy). */
  kind: Directive | 'plain' | 'unknown';
  text: string;
  extra: string[];
}

/**
 * Converts a Killercoda Markdown file; report entries name `file`. Its headings move down
 * `headingShift` levels (at most to `######`), so that they sit under the section the file becomes.
 */
export function convertKillercodaMarkdown(
  source: string,
  file: string,
  report: ReportEntry[],
  headingShift = 2,
): ConvertedMarkdown {
  const out = new Output();
  const runs: string[] = [];
  const lines = source.split('\n');
  // Directives that follow the paragraph they were found in, indented as its text is (in a list item).
  let pending: string[][] = [];
  let pendingIndent = '';
  const flush = (): void => {
    for (const block of pending) out.block(block.map((l) => (l ? pendingIndent + l : l)));
    pending = [];
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const lineNo = i + 1;
    const fence = /^(\s*)(`{3,}|~{3,})(.*)$/.exec(line);
    if (fence && !(fence[2]?.startsWith('`') && fence[3]?.includes('`'))) {
      flush();
      const indent = fence[1] ?? '';
      const opening = fence[2] ?? '```';
      const info = (fence[3] ?? '').trim();
      const start = i;
      let end = lines.length; // the closing fence's index, or the end of the file
      let marker: Marker | undefined;
      for (let j = start + 1; j < lines.length; j++) {
        const close = /^\s*(`{3,}|~{3,})[ \t]*(\{\{[^{}]*\}\})?[ \t]*$/.exec(lines[j] ?? '');
        if (close && close[1]?.[0] === opening[0] && (close[1]?.length ?? 0) >= opening.length) {
          end = j;
          marker = close[2] ? parseMarker(close[2]) : undefined;
          break;
        }
      }
      i = end;
      const body = lines.slice(start + 1, end);
      reportTrafficInCode(body.join('\n'), file, start + 2, report);
      if (marker) reportMarkerDetails(marker, file, end + 1, report);
      if (marker?.kind === 'run' || marker?.kind === 'copy') {
        const command = trimBlankLines(body.map((l) => stripIndent(l, indent.length))).join('\n');
        if (marker.kind === 'run' && command.trim()) runs.push(command);
        out.block(directiveFor(marker.kind, command, info).map((l) => (l ? indent + l : l)));
        continue;
      }
      if (marker?.kind === 'unknown') {
        report.push({
          file,
          line: end + 1,
          message: `The marker ${marker.text} after this code block is not one Dockyard knows; it was left out.`,
        });
      }
      // A plain code block, kept as it was written, without the marker after its closing fence.
      for (const kept of lines.slice(start, end)) out.line(kept);
      if (end < lines.length) out.line((lines[end] ?? '').replace(/\{\{[^{}]*\}\}\s*$/, '').trimEnd());
      continue;
    }

    if (line.trim() === '') {
      flush();
      out.line('');
      continue;
    }
    const converted = convertLine(line, lineNo, file, report, headingShift);
    if (converted.standalone) {
      flush();
      if (converted.standalone.kind === 'run' && converted.standalone.command.trim()) {
        runs.push(converted.standalone.command);
      }
      const indent = /^\s*/.exec(line)?.[0] ?? '';
      out.block(
        directiveFor(converted.standalone.kind, converted.standalone.command, '').map((l) => indent + l),
      );
      continue;
    }
    // A heading or a new list item ends the paragraph before it.
    if (converted.heading || listItem.test(line)) flush();
    if (pending.length === 0) pendingIndent = contentIndent(line);
    out.line(converted.text);
    for (const block of converted.blocks) {
      if (block.kind === 'run' && block.command.trim()) runs.push(block.command);
      pending.push(
        block.kind === 'preview'
          ? [`::preview{port=${block.port}}`]
          : directiveFor(block.kind, block.command, ''),
      );
    }
  }
  flush();
  return { markdown: out.text(), runs };
}

/** The leaf form for a command that can be a label; the container form around a fenced code block otherwise. */
export function directiveFor(kind: Directive, command: string, info: string): string[] {
  const trimmed = command.trim();
  if (fitsLabel(trimmed)) return [`::${kind}[${trimmed}]`];
  const longest = Math.max(0, ...command.split('\n').map((l) => /^\s*(`*)/.exec(l)?.[1]?.length ?? 0));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return [`:::${kind}`, `${fence}${info}`, ...command.split('\n'), fence, ':::'];
}

/**
 * Whether a command can be the label of `::run[…]` / `::copy[…]`, which the renderer takes exactly as
 * written: one line, with brackets that balance, and no backslash or backtick (either could change where
 * the label ends). Anything else goes in the container form, where the code block is taken as it is.
 */
export function fitsLabel(command: string): boolean {
  if (command === '' || /[\n\\`]/.test(command)) return false;
  let depth = 0;
  for (const char of command) {
    if (char === '[') depth += 1;
    else if (char === ']' && --depth < 0) return false;
  }
  return depth === 0;
}

/**
 * Prose with every `:` that would start a text directive escaped: one before a letter or digit (the
 * start of a name, as in `nginx:alpine` or `8080:80`), or before another colon.
 */
export function escapeDirectiveColons(text: string): string {
  return text.replace(/:(?=[\p{L}\p{N}:])/gu, '\\:');
}

interface LineBlock {
  kind: Directive | 'preview';
  command: string;
  port?: number;
}

interface ConvertedLine {
  text: string;
  heading: boolean;
  /** Directives to place after the paragraph this line belongs to. */
  blocks: LineBlock[];
  /** The line was only a marked code span: it becomes the directive itself. */
  standalone?: { kind: Directive; command: string };
}

function convertLine(
  line: string,
  lineNo: number,
  file: string,
  report: ReportEntry[],
  headingShift: number,
): ConvertedLine {
  // Mask what must not be touched (code spans with their markers, autolinks, HTML tags) so that the
  // rewriting below sees prose only; the masks are put back at the end.
  const masks: string[] = [];
  const spans: { code: string; marker?: Marker }[] = [];
  const mask = (kept: string): string => `\u0000${masks.push(kept) - 1}\u0000`;
  let text = maskCodeSpans(line, (code, markerText) => {
    const marker = markerText ? parseMarker(markerText) : undefined;
    spans.push({ code, marker });
    return `\u0001${spans.length - 1}\u0001`;
  });
  text = text.replace(/<[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*>/g, mask);
  // A bare URL is a link of its own (GFM), inside which escapes are not read, and its colons start no directive.
  text = text.replace(/(?<![\w/])(?:https?:\/\/|www\.)[^\s<>()[\]]*[^\s<>()[\].,:;"'*_~!?]/gi, mask);
  text = text.replace(/<img\b[^>]*>/gi, (tag) => {
    const src = /\bsrc\s*=\s*["']?([^"'\s>]+)/i.exec(tag)?.[1] ?? '';
    report.push({ file, line: lineNo, message: imageMessage(src) });
    return '';
  });
  text = text.replace(/<\/?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?\/?>/g, mask);

  const blocks: LineBlock[] = [];
  text = text.replace(/!\[([^\]]*)\]\(([^)\s]*)(?:\s+"[^"]*")?\)/g, (_all, alt: string, src: string) => {
    report.push({ file, line: lineNo, message: imageMessage(src) });
    return alt.trim() ? `(${alt.trim()})` : '';
  });
  const preview = (port: string, path: string): void => {
    const number = Number(port);
    if (!(number >= 1 && number <= 65535)) {
      report.push({
        file,
        line: lineNo,
        message: `The link to port ${port} was left out: there is no such port.`,
      });
      return;
    }
    if (!blocks.some((block) => block.kind === 'preview' && block.port === number)) {
      blocks.push({ kind: 'preview', command: '', port: number });
    }
    if (path && path !== '/') {
      report.push({
        file,
        line: lineNo,
        message: `The link to ${path} on port ${port} became a preview of port ${port}, which opens at /: tell the learner to go to ${path}.`,
      });
    }
  };
  text = text.replace(
    /\[([^\]]*)\]\(\s*\{\{\s*TRAFFIC_HOST1_(\d+)\s*\}\}([^)\s]*)\s*\)/g,
    (_all, label: string, port: string, path: string) => {
      preview(port, path);
      return label;
    },
  );
  text = text.replace(/\{\{\s*TRAFFIC_HOST1_(\d+)\s*\}\}([^\s)]*)/g, (_all, port: string, path: string) => {
    preview(port, path);
    return `port ${port}`;
  });
  text = text.replace(/\{\{[^{}]*\}\}/g, (found) => {
    const marker = parseMarker(found);
    if (marker.kind === 'unknown') {
      report.push({
        file,
        line: lineNo,
        message: `The marker ${found} is not one Dockyard knows; it was kept as text.`,
      });
      return mask(found);
    }
    report.push({
      file,
      line: lineNo,
      message: `The marker ${found} does not follow code, so it marks nothing; it was left out.`,
    });
    return '';
  });

  let heading = false;
  text = text.replace(/^( {0,3})(#{1,6})(?=\s|$)/, (_all, indent: string, hashes: string) => {
    heading = true;
    return indent + '#'.repeat(Math.min(6, hashes.length + headingShift));
  });
  text = escapeDirectiveColons(text);
  // eslint-disable-next-line no-control-regex -- the masks are delimited by control characters
  text = text.replace(/\u0000(\d+)\u0000/g, (_all, index: string) => masks[Number(index)] ?? '');

  // eslint-disable-next-line no-control-regex -- as above
  const onlySpan = /^\s*\u0001(\d+)\u0001\s*$/.exec(text);
  const only = onlySpan ? spans[Number(onlySpan[1])] : undefined;
  for (const span of spans) {
    reportTrafficInCode(span.code, file, lineNo, report);
    if (span.marker) reportMarkerDetails(span.marker, file, lineNo, report);
  }
  if (only?.marker && (only.marker.kind === 'run' || only.marker.kind === 'copy')) {
    return {
      text: '',
      heading,
      blocks: [],
      standalone: { kind: only.marker.kind, command: codeOf(only.code) },
    };
  }
  // eslint-disable-next-line no-control-regex -- as above
  text = text.replace(/\u0001(\d+)\u0001/g, (_all, index: string) => {
    const span = spans[Number(index)];
    if (!span) return '';
    const kind = span.marker?.kind;
    if (kind === 'run' || kind === 'copy') blocks.push({ kind, command: codeOf(span.code) });
    if (kind === 'unknown') {
      report.push({
        file,
        line: lineNo,
        message: `The marker ${span.marker?.text} after \`${codeOf(span.code)}\` is not one Dockyard knows; it was left out.`,
      });
    }
    return span.code;
  });
  return { text, heading, blocks };
}

/**
 * Replaces each code span of `line` (with the Killercoda marker right after it, if any) by what
 * `replace` returns. Code spans follow CommonMark: a run of n backticks up to the next run of exactly
 * n; a backslash before a backtick outside code escapes it.
 */
function maskCodeSpans(line: string, replace: (code: string, marker: string | undefined) => string): string {
  let out = '';
  let i = 0;
  while (i < line.length) {
    const char = line[i];
    if (char === '\\' && i + 1 < line.length) {
      out += line.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (char !== '`') {
      out += char;
      i++;
      continue;
    }
    const run = /^`+/.exec(line.slice(i))?.[0] ?? '`';
    let close = -1;
    for (let j = i + run.length; j < line.length;) {
      const next = /^`+/.exec(line.slice(j))?.[0];
      if (next === undefined) {
        j++;
        continue;
      }
      if (next.length === run.length) {
        close = j;
        break;
      }
      j += next.length;
    }
    if (close < 0) {
      out += run;
      i += run.length;
      continue;
    }
    const end = close + run.length;
    const marker = /^\{\{[^{}]*\}\}/.exec(line.slice(end))?.[0];
    out += replace(line.slice(i, end), marker);
    i = end + (marker?.length ?? 0);
  }
  return out;
}

/** The text of a code span, as CommonMark reads it: one space inside each end dropped. */
function codeOf(span: string): string {
  const run = /^`+/.exec(span)?.[0].length ?? 1;
  const inner = span.slice(run, span.length - run);
  return /^ .*[^ ].* $/.test(inner) ? inner.slice(1, -1) : inner;
}

function parseMarker(text: string): Marker {
  const words = text.slice(2, -2).trim().split(/\s+/).filter(Boolean);
  const first = (words[0] ?? '').toLowerCase();
  const kind =
    first === ''
      ? 'plain'
      : first === 'exec' || first === 'execute'
        ? 'run'
        : first === 'copy'
          ? 'copy'
          : 'unknown';
  return { kind, text, extra: kind === 'unknown' ? [] : words.slice(1) };
}

function reportMarkerDetails(marker: Marker, file: string, line: number, report: ReportEntry[]): void {
  for (const word of marker.extra) {
    const message =
      word.toLowerCase() === 'interrupt'
        ? `${marker.text} first stops what runs in the terminal (Ctrl+C); Dockyard's Run types the command without stopping anything.`
        : /^T\d+$/i.test(word)
          ? `${marker.text} runs the command in terminal ${word.slice(1)}; Dockyard has one terminal.`
          : `The option "${word}" of ${marker.text} is not one Dockyard knows; it was left out.`;
    report.push({ file, line, message });
  }
}

/** Killercoda fills {{TRAFFIC_HOST1_80}} with a public URL even in code; Dockyard does not. */
function reportTrafficInCode(code: string, file: string, firstLine: number, report: ReportEntry[]): void {
  code.split('\n').forEach((text, index) => {
    for (const found of text.matchAll(/\{\{\s*TRAFFIC_[A-Z0-9_]*\s*\}\}/g)) {
      const port = /HOST1_(\d+)/.exec(found[0])?.[1];
      const instead = port ? `: inside the machine, use http://localhost:${port}` : '';
      report.push({
        file,
        line: firstLine + index,
        message: `The marker ${found[0]} in code is Killercoda's address of a port; it was kept as text${instead}.`,
      });
    }
  });
}

function imageMessage(src: string): string {
  return `The image ${src || '(no source)'} is not carried over: an instructor page has no files of its own. Its description, if any, was kept as text.`;
}

const listItem = /^(\s*)([-*+]|\d{1,9}[.)])(\s+)/;

/** The indentation of a line's text: past a list item's marker, if it starts one. */
function contentIndent(line: string): string {
  const item = listItem.exec(line);
  return item ? ' '.repeat(item[0].length) : (/^\s*/.exec(line)?.[0] ?? '');
}

function stripIndent(line: string, width: number): string {
  let i = 0;
  while (i < width && line[i] === ' ') i++;
  return line.slice(i);
}

function trimBlankLines(lines: string[]): string[] {
  let start = 0;
  let end = lines.length;
  while (start < end && (lines[start] ?? '').trim() === '') start++;
  while (end > start && (lines[end - 1] ?? '').trim() === '') end--;
  return lines.slice(start, end);
}

/** Collects lines, keeping a blank line on each side of a block so that a directive stands alone. */
class Output {
  private readonly lines: string[] = [];
  private gapNeeded = false;

  line(text: string): void {
    if (this.gapNeeded && text.trim() !== '') this.lines.push('');
    this.gapNeeded = false;
    this.lines.push(text);
  }

  block(lines: string[]): void {
    const last = this.lines[this.lines.length - 1];
    if (last !== undefined && last.trim() !== '') this.lines.push('');
    this.lines.push(...lines);
    this.gapNeeded = true;
  }

  text(): string {
    return this.lines.join('\n').replace(/^\n+|\s+$/g, '');
  }
}
