import { describe, expect, it } from 'vitest';
import { convertKillercodaMarkdown, fitsLabel, type ReportEntry } from './killercoda-markdown.ts';

function convert(
  source: string,
  headingShift = 2,
): { markdown: string; runs: string[]; report: ReportEntry[] } {
  const report: ReportEntry[] = [];
  const { markdown, runs } = convertKillercodaMarkdown(source, 'step1/text.md', report, headingShift);
  return { markdown, runs, report };
}

const fence = '```';

describe('convertKillercodaMarkdown', () => {
  it('turns a line holding only `cmd`{{exec}} into ::run[cmd], standing alone', () => {
    const { markdown, runs } = convert('List the containers:\n`docker ps -a`{{exec}}\nThat is all.');
    expect(markdown).toBe('List the containers:\n\n::run[docker ps -a]\n\nThat is all.');
    expect(runs).toEqual(['docker ps -a']);
  });

  it('accepts {{execute}} and {{copy}}, and keeps a list item’s indentation', () => {
    const { markdown, runs } = convert(
      '- First:\n\n  `docker images`{{execute}}\n- Then:\n\n  `docker logout`{{copy}}',
    );
    expect(markdown).toBe('- First:\n\n  ::run[docker images]\n\n- Then:\n\n  ::copy[docker logout]');
    expect(runs).toEqual(['docker images']);
  });

  it('keeps marked code inside a sentence and puts the directive after the paragraph', () => {
    const { markdown } = convert(
      'Run `docker ps`{{exec}} and then\n`docker images`{{copy}} to compare.\n\nNext.',
    );
    expect(markdown).toBe(
      'Run `docker ps` and then\n`docker images` to compare.\n\n::run[docker ps]\n\n::copy[docker images]\n\nNext.',
    );
  });

  it('indents the directives that follow a list item’s paragraph as the item’s text', () => {
    const { markdown } = convert('1. Start it with `docker start web`{{exec}}.\n2. Next.');
    expect(markdown).toBe('1. Start it with `docker start web`.\n\n   ::run[docker start web]\n\n2. Next.');
  });

  it('turns a one-line code block with {{exec}} into the leaf form', () => {
    const { markdown, runs } = convert(`Build it:\n${fence}\ndocker build -t app .\n${fence}{{exec}}`);
    expect(markdown).toBe('Build it:\n\n::run[docker build -t app .]');
    expect(runs).toEqual(['docker build -t app .']);
  });

  it('turns a multi-line code block into the container form, the command verbatim', () => {
    const source = `${fence}bash\ncat > app.txt <<'EOF'\nnginx:alpine *bold* [x]\nEOF\n${fence}{{exec}}\nAfter.`;
    const { markdown, runs } = convert(source);
    expect(markdown).toBe(
      `:::run\n${fence}bash\ncat > app.txt <<'EOF'\nnginx:alpine *bold* [x]\nEOF\n${fence}\n:::\n\nAfter.`,
    );
    expect(runs).toEqual(["cat > app.txt <<'EOF'\nnginx:alpine *bold* [x]\nEOF"]);
  });

  it('lengthens the fence when the command holds a fence, and reads ~~~ fences', () => {
    const { markdown } = convert(`~~~\ncat > notes.md <<'EOF'\n${fence}\nEOF\n~~~{{copy}}`);
    expect(markdown).toBe(`:::copy\n\`\`\`\`\ncat > notes.md <<'EOF'\n${fence}\nEOF\n\`\`\`\`\n:::`);
  });

  it('keeps a code block in a list item indented, and the directive with it', () => {
    const { markdown, runs } = convert(
      `1. Start:\n   ${fence}\n   docker run -d \\\n     nginx\n   ${fence}{{exec}}`,
    );
    expect(markdown).toBe(
      `1. Start:\n\n   :::run\n   ${fence}\n   docker run -d \\\n     nginx\n   ${fence}\n   :::`,
    );
    expect(runs).toEqual(['docker run -d \\\n  nginx']);
  });

  it('leaves plain code alone and drops {{}} (Killercoda’s "do not copy")', () => {
    const source = `# Title\n${fence}\n# a comment, not a heading: nginx:alpine\n${fence}{{}}\n\`ls\`{{}} here`;
    expect(convert(source).markdown).toBe(
      `### Title\n${fence}\n# a comment, not a heading: nginx:alpine\n${fence}\n\`ls\` here`,
    );
  });

  it('moves headings down by the shift asked for, at most to level 6', () => {
    expect(convert('# One\n\n##### Five', 2).markdown).toBe('### One\n\n###### Five');
    expect(convert('# One', 1).markdown).toBe('## One');
  });

  it('escapes the colons of prose that would start a directive, not those in code, links or HTML', () => {
    const source =
      'Use nginx:alpine, see <https://example.org/a:b> or <mailto:me@example.org>, `a:b`, <a title="x:y">t</a> ::x';
    expect(convert(source).markdown).toBe(
      'Use nginx\\:alpine, see <https://example.org/a:b> or <mailto:me@example.org>, `a:b`, <a title="x:y">t</a> \\:\\:x',
    );
  });

  it('reports {{exec interrupt}} and terminal numbers, and keeps the command', () => {
    const { markdown, report } = convert('`top`{{exec interrupt}}\n\n`htop`{{exec T2}}');
    expect(markdown).toBe('::run[top]\n\n::run[htop]');
    expect(report).toEqual([
      { file: 'step1/text.md', line: 1, message: expect.stringMatching(/Ctrl\+C/) },
      {
        file: 'step1/text.md',
        line: 3,
        message: expect.stringMatching(/terminal 2; Dockyard has one terminal/),
      },
    ]);
  });

  it('reports unknown markers and markers that follow no code', () => {
    const { markdown, report } = convert(
      'Open {{TRAFFIC_SELECTOR}}.\n\n**Done**{{exec}}\n\n`x`{{frobnicate}}',
    );
    expect(markdown).toBe('Open {{TRAFFIC_SELECTOR}}.\n\n**Done**\n\n`x`');
    expect(report.map((entry) => entry.line)).toEqual([1, 3, 5]);
    expect(report[0]?.message).toMatch(/not one Dockyard knows; it was kept as text/);
    expect(report[1]?.message).toMatch(/does not follow code/);
    expect(report[2]?.message).toMatch(/\{\{frobnicate\}\}.*left out/);
  });

  it('turns links to a port into a preview, and reports a path it cannot keep', () => {
    const { markdown, report } = convert(
      'Open [the app]({{TRAFFIC_HOST1_5000}}/admin) or [home]({{TRAFFIC_HOST1_5000}}).',
    );
    expect(markdown).toBe('Open the app or home.\n\n::preview{port=5000}');
    expect(report).toEqual([
      { file: 'step1/text.md', line: 1, message: expect.stringMatching(/\/admin on port 5000/) },
    ]);
  });

  it('reports a port address inside code, which Killercoda would have filled in', () => {
    const { report } = convert(`${fence}\ncurl {{TRAFFIC_HOST1_80}}\n${fence}`);
    expect(report).toEqual([
      { file: 'step1/text.md', line: 2, message: expect.stringMatching(/http:\/\/localhost:80/) },
    ]);
  });

  it('reports images, keeping their description as text', () => {
    const { markdown, report } = convert('![A diagram](./assets/flow.png)\n\n<img src="logo.png" alt="">');
    expect(markdown).toBe('(A diagram)');
    expect(report.map((entry) => [entry.line, entry.message.slice(0, 30)])).toEqual([
      [1, 'The image ./assets/flow.png is'],
      [3, 'The image logo.png is not carr'],
    ]);
  });

  it('collects the runnable commands in page order', () => {
    const { runs } = convert(
      `\`a\`{{exec}}\n\n${fence}\nb\n${fence}{{copy}}\n\nx \`c\`{{exec}}\n\n${fence}\nd\ne\n${fence}{{exec}}`,
    );
    expect(runs).toEqual(['a', 'c', 'd\ne']);
  });
});

describe('fitsLabel', () => {
  it.each([
    ['docker ps', true],
    ['docker run -p 8080:80 nginx:alpine', true],
    ['ls *.txt [abc] && echo $MY_VAR _x ~/a &amp;', true],
    ['echo ]', false],
    ['echo [', false],
    ['echo `date`', false],
    ['printf a\\nb', false],
    ['a\nb', false],
    ['', false],
  ])('%s → %s', (command, fits) => {
    expect(fitsLabel(command)).toBe(fits);
  });
});
