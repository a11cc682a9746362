import type { Element, Nodes, Root } from 'hast';
import { fromHtml } from 'hast-util-from-html';
import rehypeSanitize from 'rehype-sanitize';
import rehypeStringify from 'rehype-stringify';
import remarkDirective from 'remark-directive';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import remarkRehype from 'remark-rehype';
import { unified } from 'unified';
import { describe, expect, it } from 'vitest';
import { pageSanitizeSchema, renderPage } from './render-page.ts';
import type { PageContext } from './render-page.ts';

const context: PageContext = { exercises: ['run-hello-world', 'build-image'], quizzes: ['what-is-an-image'] };

/** The page's HTML, for pages that must render without problems. */
function html(markdown: string): string {
  const page = renderPage(markdown, context);
  expect(page.problems).toEqual([]);
  return page.html;
}

/** Every element of the HTML, as a browser parses it (parse5, the HTML standard's algorithm). */
function elementsOf(output: string): Element[] {
  const elements: Element[] = [];
  const walk = (node: Nodes | Root): void => {
    if (node.type === 'element') elements.push(node);
    if ('children' in node) for (const child of node.children) walk(child);
    if (node.type === 'element' && node.content) walk(node.content);
  };
  walk(fromHtml(output, { fragment: true }));
  return elements;
}

function placeholders(output: string): Element[] {
  return elementsOf(output).filter((element) => element.properties.dataDockyard !== undefined);
}

describe('renderPage: directives', () => {
  it('renders ::run and ::copy as placeholders holding the text exactly as written', () => {
    expect(html('::run[docker ps]')).toBe('<div data-dockyard="run" data-command="docker ps"></div>');
    expect(html('::copy[docker login hub.dockyard.internal:5000]')).toBe(
      '<div data-dockyard="copy" data-text="docker login hub.dockyard.internal:5000"></div>',
    );
    // Not Markdown: emphasis, code spans, escapes and placeholders reach the terminal as typed.
    const command = 'docker run -e A=*b* `x` {{hub.username}}/app [1] \\$HOME';
    expect(placeholders(html(`::run[${command}]`))[0]?.properties.dataCommand).toBe(command);
  });

  it('escapes what would end the attribute, so a command cannot open a tag', () => {
    const command = `echo "><script>alert(1)</script><img src=x onerror=alert(1)> '&amp;`;
    const output = html(`::run[${command}]`);
    const elements = elementsOf(output);
    expect(elements.map((element) => element.tagName)).toEqual(['div']);
    expect(elements[0]?.properties).toEqual({ dataDockyard: 'run', dataCommand: command });
  });

  it('takes a multi-line command or text from the one fenced code block inside :::run or :::copy', () => {
    const heredoc = 'cat > app.py <<\'EOF\'\nprint("hi")\nEOF';
    const output = html(`:::run\n\`\`\`bash\n${heredoc}\n\`\`\`\n:::`);
    expect(placeholders(output).map((element) => element.properties)).toEqual([
      { dataDockyard: 'run', dataCommand: heredoc },
    ]);
    expect(placeholders(html(':::copy\n```\nline 1\nline 2\n```\n:::'))[0]?.properties).toEqual({
      dataDockyard: 'copy',
      dataText: 'line 1\nline 2',
    });
    // A command with a `:::` line needs a longer outer fence, as any container directive does.
    expect(
      placeholders(html('::::run\n```\necho a\n:::\necho b\n```\n::::'))[0]?.properties.dataCommand,
    ).toBe('echo a\n:::\necho b');
  });

  it('renders ::exercise, ::quiz and ::preview with their id or port', () => {
    expect(html('::exercise{id=run-hello-world}')).toBe(
      '<div data-dockyard="exercise" data-id="run-hello-world"></div>',
    );
    expect(html('::exercise{#build-image}')).toBe(
      '<div data-dockyard="exercise" data-id="build-image"></div>',
    );
    expect(html('::quiz{id=what-is-an-image}')).toBe(
      '<div data-dockyard="quiz" data-id="what-is-an-image"></div>',
    );
    expect(html('::preview{port=5000}')).toBe('<div data-dockyard="preview" data-port="5000"></div>');
    expect(html('::preview{port="8080"}')).toBe('<div data-dockyard="preview" data-port="8080"></div>');
    expect(html('::preview{port=65535}')).toContain('data-port="65535"');
    expect(html('::preview{port=1}')).toContain('data-port="1"');
  });

  it('renders :::hint as an aside holding Markdown and directives', () => {
    const output = html(':::hint\nTry **this**:\n\n::run[docker ps -a]\n:::');
    expect(output).toBe(
      '<aside data-dockyard="hint"><p>Try <strong>this</strong>:</p><div data-dockyard="run" data-command="docker ps -a"></div></aside>',
    );
  });

  it('renders a whole page: Markdown around the directives, in order', () => {
    const page = [
      '# Your first container',
      '',
      'Run it:',
      '',
      '::run[docker run hello-world]',
      '',
      '::exercise{id=run-hello-world}',
      '',
      ':::hint',
      'Look at `docker ps -a`.',
      ':::',
    ].join('\n');
    expect(elementsOf(html(page)).map((element) => element.tagName)).toEqual([
      'h1',
      'p',
      'div',
      'div',
      'aside',
      'p',
      'code',
    ]);
  });

  it('leaves text directives in prose as the text they were', () => {
    expect(html('Meet at 10:30, ratio a:b, std::vector and note:this[x]{y}.')).toBe(
      '<p>Meet at 10:30, ratio a:b, std::vector and note:this[x]{y}.</p>',
    );
  });
});

describe('renderPage: Markdown', () => {
  it('renders CommonMark and GFM: headings, emphasis, code, lists, tables, task lists, strikethrough', () => {
    const output = html(
      [
        '## Step 1',
        '',
        'Some *text*, **bold**, ~~old~~ and `code`.',
        '',
        '```bash',
        'docker ps',
        '```',
        '',
        '1. one',
        '2. two',
        '',
        '- [x] done',
        '- [ ] to do',
        '',
        '| a | b |',
        '|:--|--:|',
        '| 1 | 2 |',
        '',
        '> a quote',
        '',
        '---',
      ].join('\n'),
    );
    const tags = new Set(elementsOf(output).map((element) => element.tagName));
    for (const tag of [
      'h2',
      'em',
      'strong',
      'del',
      'code',
      'pre',
      'ol',
      'ul',
      'li',
      'table',
      'th',
      'td',
      'input',
      'blockquote',
      'hr',
    ]) {
      expect(tags, tag).toContain(tag);
    }
    expect(output).toContain('<pre><code class="language-bash">docker ps\n</code></pre>');
    expect(output).toContain('<input type="checkbox" checked disabled>');
    expect(output).toContain('<th align="left">a</th>');
  });

  it("renders lists and tables as remark-rehype's own, quadratic, handlers would", () => {
    const reference = unified()
      .use(remarkParse)
      .use(remarkGfm)
      .use(remarkDirective)
      .use(remarkRehype, { clobberPrefix: '' })
      .use(rehypeSanitize, pageSanitizeSchema)
      .use(rehypeStringify);
    const pages = [
      '- a\n- b\n- c',
      '- a\n\n- b\n- c',
      '- a\n- b\n\n  more of b\n- c',
      '1. a\n   - nested\n   - tight\n2. b\n\n   loose b',
      '- [x] done\n- [ ] to do\n\n  with a paragraph',
      '> - quoted\n> - list',
      '| a | b |\n|:--|--:|\n| 1 | 2 |\n| 3 | 4 |\n| 5 |',
      '| only a head |\n|---|',
      '- | a |\n  |---|\n  | 1 |',
    ];
    for (const page of pages) expect(html(page), page).toBe(String(reference.processSync(page)));
  });

  it('gives links rel="noopener noreferrer", and keeps http, https, mailto and relative links', () => {
    const output = html(
      '[a](https://docs.docker.com) [b](http://example.com) [c](mailto:me@example.com) [d](/lessons/x) [e](?q=1) www.example.com',
    );
    const links = elementsOf(output).filter((element) => element.tagName === 'a');
    expect(links.map((link) => link.properties.href)).toEqual([
      'https://docs.docker.com',
      'http://example.com',
      'mailto:me@example.com',
      '/lessons/x',
      '?q=1',
      'http://www.example.com',
    ]);
    for (const link of links) expect(link.properties.rel).toEqual(['noopener', 'noreferrer']);
  });

  it('keeps https and relative images, and drops the src of any other', () => {
    const page = renderPage(
      '![a](https://example.com/a.png) ![b](img/b.png) ![c](http://example.com/c.png)',
      context,
    );
    const images = elementsOf(page.html).filter((element) => element.tagName === 'img');
    expect(images.map((image) => image.properties.src)).toEqual([
      'https://example.com/a.png',
      'img/b.png',
      undefined,
    ]);
    expect(page.problems).toEqual([{ line: 1, field: 'image', message: expect.stringMatching(/https/) }]);
  });

  it('prefixes ids (footnotes) so they cannot clobber the page, and points the in-page links at them', () => {
    const output = html('A note[^1] and [top](#top).\n\n[^1]: The note.');
    const elements = elementsOf(output);
    const ids = elements.map((element) => element.properties.id).filter((id) => id !== undefined);
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) expect(String(id)).toMatch(/^user-content-/);
    const hrefs = elements.map((element) => element.properties.href).filter((href) => href !== undefined);
    expect(hrefs).toContain('#user-content-fn-1');
    expect(hrefs).toContain('#user-content-top');
    for (const href of hrefs)
      expect(ids.map(String).concat('user-content-top')).toContain(String(href).slice(1));
  });
});

describe('renderPage: problems', () => {
  it('reports each problem on its line, leaves the directive out, and renders the rest', () => {
    const page = [
      '# Title', // 1
      '',
      '::exercise{id=run-helo-world}', // 3
      '::quiz{id=nope}', // 4
      '::preview{port=0}', // 5
      '::preview{port=65536}', // 6
      '::preview{port=web}', // 7
      '::preview', // 8
      '::run[]', // 9
      '::run', // 10
      '::copy[   ]', // 11
      '::video[intro]', // 12
      '::exercise', // 13
      '',
      '<img src=x onerror=alert(1)> and <b>bold</b>', // 15
      '',
      '<!-- a note to self -->', // 17
      '',
      'Inline :run[docker ps] here.', // 19
      '',
      ':::note', // 21
      'Kept text.',
      ':::',
      '',
      ':::run', // 25
      'Not a code block.',
      ':::',
      '',
      '::hint[text]', // 29
      '::run[x]{onclick=alert(1)}', // 30
      '[bad](javascript:alert(1))', // 31
      '',
      '::exercise{id=run-hello-world}', // 33
    ].join('\n');
    const { html: output, problems } = renderPage(page, context);
    expect(problems.map(({ line, field }) => ({ line, field }))).toEqual([
      { line: 3, field: '::exercise{id=run-helo-world}' },
      { line: 4, field: '::quiz{id=nope}' },
      { line: 5, field: '::preview{port=0}' },
      { line: 6, field: '::preview{port=65536}' },
      { line: 7, field: '::preview{port=web}' },
      { line: 8, field: '::preview' },
      { line: 9, field: '::run' },
      { line: 10, field: '::run' },
      { line: 11, field: '::copy' },
      { line: 12, field: '::video' },
      { line: 13, field: '::exercise' },
      { line: 15, field: 'html' },
      { line: 17, field: 'html' },
      { line: 19, field: ':run' },
      { line: 21, field: ':::note' },
      { line: 25, field: ':::run' },
      { line: 29, field: '::hint' },
      { line: 30, field: '::run{onclick}' },
      { line: 31, field: 'link' },
    ]);
    expect(problems[0]?.message).toBe(
      'No exercise with this id in the exercise definitions; defined ids: run-hello-world, build-image.',
    );
    expect(problems[1]?.message).toMatch(/defined ids: what-is-an-image/);
    expect(problems[2]?.message).toMatch(/1 to 65535/);
    expect(problems[6]?.message).toMatch(/empty/);
    expect(problems[9]?.message).toMatch(/Unknown directive "video"/);
    expect(problems[11]?.message).toMatch(/Raw HTML/);
    expect(problems[12]?.message).toMatch(/comment/);

    // What had a problem is left out; the rest renders, and the valid run keeps its command.
    expect(placeholders(output).map((element) => element.properties)).toEqual([
      { dataDockyard: 'run', dataCommand: 'x' },
      { dataDockyard: 'exercise', dataId: 'run-hello-world' },
    ]);
    expect(output).toContain('<p> and bold</p>');
    expect(output).toContain('<p>Kept text.</p>');
    expect(output).toContain('Inline :run[docker ps] here.');
    expect(output).not.toContain('note to self');
  });

  it('names no ids when the definitions have none', () => {
    const { problems } = renderPage('::quiz{id=q}', { exercises: [], quizzes: [] });
    expect(problems).toEqual([
      {
        line: 1,
        field: '::quiz{id=q}',
        message: 'No quiz with this id in the exercise definitions; defined ids: none.',
      },
    ]);
  });

  it('reports raw HTML once per line, inside containers too', () => {
    const { problems } = renderPage(
      'a <b>x</b> <i>y</i>\n\n:::hint\n<script>alert(1)</script>\n:::',
      context,
    );
    expect(problems.map(({ line, field }) => `${line} ${field}`)).toEqual(['1 html', '4 html']);
  });

  it('reports labels and attributes a directive does not take', () => {
    const { problems } = renderPage(
      '::exercise[Run it]{id=run-hello-world}\n::preview{port=5000 host=x}\n:::hint[Show]{.big}\ntext\n:::',
      context,
    );
    expect(problems.map(({ line, field }) => `${line} ${field}`)).toEqual([
      '1 ::exercise',
      '2 ::preview{host}',
      '3 :::hint[]',
      '3 :::hint{class}',
    ]);
  });

  it('refuses a page over 1 MiB with one problem and no HTML', () => {
    const page = renderPage('é'.repeat(600_000), context); // 600,000 characters, 1,200,000 bytes
    expect(page).toEqual({
      html: '',
      problems: [{ line: 1, field: 'page', message: expect.stringMatching(/at most 1 MiB/) }],
    });
  });

  it('returns problems, never throws, for odd input', () => {
    for (const odd of [
      '',
      '\u0000',
      '\uD800 lone surrogate',
      '\r\n\r\n',
      '::',
      ':::',
      '::::',
      '::run[',
      '[^]',
      '<',
    ]) {
      const page = renderPage(odd, context);
      expect(Array.isArray(page.problems)).toBe(true);
      expect(findVectors(page.html)).toEqual([]);
    }
  });
});

// --- The sanitiser against XSS payloads. ---------------------------------------------------------

const allowedTags = new Set(pageSanitizeSchema.tagNames ?? []);
const forbiddenTags = [
  'script',
  'iframe',
  'frame',
  'frameset',
  'object',
  'embed',
  'applet',
  'form',
  'base',
  'meta',
  'link',
  'style',
  'svg',
  'math',
  'template',
  'noscript',
  'textarea',
  'button',
  'select',
];
const urlProperties = [
  'href',
  'src',
  'action',
  'formAction',
  'xLinkHref',
  'srcSet',
  'cite',
  'poster',
  'background',
  'data',
  'longDesc',
  'ping',
];
const placeholderData = new Set(['dataDockyard', 'dataCommand', 'dataText', 'dataId', 'dataPort']);

/** A URL as a browser reads its scheme: control characters and whitespace ignored, any case. */
function scheme(url: string): string {
  // eslint-disable-next-line no-control-regex
  const squeezed = url.replace(/[\u0000-\u0020\u007f]/g, '').toLowerCase();
  const colon = squeezed.indexOf(':');
  return colon < 0 || /[/?#]/.test(squeezed.slice(0, colon)) ? '' : squeezed.slice(0, colon);
}

/**
 * Everything in `output` that could run script or escape the page's control, found by parsing it as a
 * browser does and looking at each node, not at the string: a forbidden or unknown element, an event
 * handler, a style, a dangerous URL, an unprefixed id or name, a data attribute that is not a
 * placeholder's, a link without rel, a comment.
 */
function findVectors(output: string): string[] {
  const found: string[] = [];
  const walk = (node: Nodes | Root): void => {
    if (node.type === 'comment') found.push(`comment <!--${node.value}-->`);
    if (node.type === 'doctype') found.push('doctype');
    if (node.type === 'element') inspect(node);
    if ('children' in node) for (const child of node.children) walk(child);
    if (node.type === 'element' && node.content) walk(node.content);
  };
  const inspect = (element: Element): void => {
    const tag = element.tagName;
    if (forbiddenTags.includes(tag)) found.push(`<${tag}>`);
    else if (!allowedTags.has(tag)) found.push(`unknown <${tag}>`);
    for (const [name, value] of Object.entries(element.properties)) {
      const text = Array.isArray(value) ? value.join(' ') : String(value);
      if (name.toLowerCase().startsWith('on')) found.push(`<${tag} ${name}>`);
      if (name === 'style') found.push(`<${tag} style>`);
      if (name.toLowerCase() === 'srcdoc') found.push(`<${tag} srcdoc>`);
      if (urlProperties.includes(name) && ['javascript', 'vbscript', 'data'].includes(scheme(text))) {
        found.push(`<${tag} ${name}="${text}">`);
      }
      if (name === 'href' && !['', 'http', 'https', 'mailto'].includes(scheme(text)))
        found.push(`<${tag} href="${text}">`);
      if (name === 'src' && !['', 'https'].includes(scheme(text))) found.push(`<${tag} src="${text}">`);
      if ((name === 'id' || name === 'name') && !text.startsWith('user-content-'))
        found.push(`<${tag} ${name}="${text}">`);
      if (/^data[A-Z]/.test(name)) {
        const placeholder =
          (tag === 'div' || tag === 'aside') && element.properties.dataDockyard !== undefined;
        if (!placeholder || !placeholderData.has(name)) found.push(`<${tag} ${name}>`);
      }
    }
    if (tag === 'a' && element.properties.href !== undefined) {
      const rel = element.properties.rel;
      if (!Array.isArray(rel) || !rel.includes('noopener') || !rel.includes('noreferrer'))
        found.push('<a> without rel');
    }
    if (tag === 'input' && (element.properties.type !== 'checkbox' || element.properties.disabled !== true)) {
      found.push('<input> other than a disabled checkbox');
    }
  };
  walk(fromHtml(output, { fragment: true }));
  return found;
}

/** Payloads, after the OWASP XSS filter evasion cheat sheet and friends, as an instructor could type them. */
const payloads: [name: string, markdown: string][] = [
  ['script element', '<script>alert(1)</script>'],
  ['script split across the tag', '<scr<script>ipt>alert(1)</scr</script>ipt>'],
  ['script in a paragraph', 'Hello <script>alert(1)</script> world'],
  ['img onerror', '<img src=x onerror=alert(1)>'],
  ['img onerror, no quotes or spaces', '<img/src="x"/onerror=alert(1)>'],
  ['markdown link to javascript:', '[x](javascript:alert(1))'],
  ['markdown link to JAVASCRIPT:', '[x](JAVASCRIPT:alert(1))'],
  ['markdown link, mixed case', '[x](JaVaScRiPt:alert(1))'],
  ['entity-encoded colon', '[x](javascript&#58;alert(1))'],
  ['named-entity colon', '[x](javascript&colon;alert(1))'],
  ['entity-encoded letter', '[x](&#106;avascript:alert(1))'],
  [
    'hex entities throughout',
    '[x](&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1))',
  ],
  ['tab inside the scheme', '[x](jav&#x09;ascript:alert(1))'],
  ['newline entity inside the scheme', '[x](jav&#x0A;ascript:alert(1))'],
  ['javascript: in angle brackets', '[x](<javascript:alert(1)>)'],
  ['javascript: with a title', '[x](javascript:alert(1) "title")'],
  ['javascript: after spaces', '[x](   javascript:alert(1))'],
  ['raw anchor with spaces before javascript:', '<a href="  javascript:alert(1)">x</a>'],
  ['raw anchor with entity scheme', '<a href="jAvAsCrIpT&colon;alert(1)">x</a>'],
  ['vbscript: link', '[x](vbscript:msgbox(1))'],
  ['data: link', '[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)'],
  ['javascript: image', '![x](javascript:alert(1))'],
  ['data: image', '![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)'],
  ['autolink to javascript:', '<javascript:alert(1)>'],
  ['autolink to data:', '<data:text/html,<script>alert(1)</script>>'],
  ['reference link to javascript:', '[x][evil]\n\n[evil]: javascript:alert(1)'],
  ['reference image to javascript:', '![x][evil]\n\n[evil]: javascript:alert(1)'],
  ['collapsed reference to javascript:', '[evil][]\n\n[evil]: <javascript:alert(1)>'],
  ['attribute breakout in a link URL', '[x](https://ok.example/"onmouseover="alert(1))'],
  ['attribute breakout in an image URL', '![x](https://ok.example/a.png"onerror="alert(1))'],
  ['HTML inside link text', '[<img src=x onerror=alert(1)>](https://ok.example)'],
  ['svg onload', '<svg onload=alert(1)>'],
  ['svg animate onbegin', '<svg><animate onbegin=alert(1) attributeName=x dur=1s>'],
  ['svg script with xlink', '<svg><script xlink:href="data:,alert(1)"></script></svg>'],
  ['math with xlink:href', '<math><mi xlink:href="javascript:alert(1)">x</mi></math>'],
  ['iframe srcdoc', '<iframe srcdoc="<script>alert(1)</script>"></iframe>'],
  ['iframe javascript src', '<iframe src="javascript:alert(1)"></iframe>'],
  ['object data', '<object data="javascript:alert(1)"></object>'],
  ['embed src', '<embed src="javascript:alert(1)">'],
  ['HTML comment hiding a script', '<!-- <script>alert(1)</script> -->'],
  ['comment that closes early', '<!--><script>alert(1)</script>-->'],
  ['CDATA', '<![CDATA[<script>alert(1)</script>]]>'],
  ['processing instruction', '<?xml version="1.0"?><script>alert(1)</script>'],
  ['style element', '<style>body{background:url("javascript:alert(1)")}</style>'],
  ['style attribute', '<p style="background:url(javascript:alert(1))">x</p>'],
  ['base href', '<base href="javascript:alert(1)//">'],
  ['meta refresh', '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">'],
  ['link stylesheet', '<link rel="stylesheet" href="javascript:alert(1)">'],
  ['form action', '<form action="javascript:alert(1)"><button>x</button></form>'],
  ['button formaction', '<button formaction="javascript:alert(1)">x</button>'],
  ['input autofocus onfocus', '<input autofocus onfocus=alert(1)>'],
  ['details open ontoggle', '<details open ontoggle=alert(1)>'],
  ['div onclick', '<div onclick="alert(1)">x</div>'],
  ['unknown element with a handler', '<x-evil onclick=alert(1)>x</x-evil>'],
  ['body onload', '<body onload=alert(1)>'],
  ['noscript mutation', '<noscript><p title="</noscript><img src=x onerror=alert(1)>">'],
  ['textarea breakout', '<textarea></textarea><script>alert(1)</script></textarea>'],
  ['template', '<template><script>alert(1)</script></template>'],
  ['id clobbering', '<img id="location" name="cookie">'],
  ['HTML in an emphasis run', '**<script>**alert(1)**</script>**'],
  ['HTML in a heading', '# <img src=x onerror=alert(1)>'],
  ['HTML in a table cell', '| a |\n|---|\n| <img src=x onerror=alert(1)> |'],
  ['script in a code span stays text', '`<script>alert(1)</script>`'],
  ['script in a code block stays text', '```html\n<script>alert(1)</script>\n```'],
  ['code block language breakout', '```"><script>alert(1)</script>\nx\n```'],
  ['::run attribute onclick', '::run[x]{onclick=alert(1)}'],
  ['::run attribute style and id', '::run[x]{style="x" #location .evil}'],
  ['::run command breaking out', '::run["><script>alert(1)</script>]'],
  ['::run command with single quotes', "::run[' onmouseover='alert(1)]"],
  ['::run command that is a javascript: URL', '::run[javascript:alert(1)]'],
  ['::copy text breaking out', '::copy["><img src=x onerror=alert(1)>]'],
  ['::copy with data attributes', '::copy[x]{data-dockyard=exercise data-id=run-hello-world}'],
  ['::preview port carrying a handler', '::preview{port="1 onerror=alert(1)"}'],
  ['::preview port breaking out', '::preview{port="5000\\"><script>alert(1)</script>"}'],
  ['::exercise id carrying a handler', '::exercise{id="x onclick=alert(1)"}'],
  ['::exercise with extra attributes', '::exercise{id=run-hello-world onclick=alert(1) style="x"}'],
  ['::quiz id breaking out', '::quiz{id="\\"><script>alert(1)</script>"}'],
  [':::hint with a handler', ':::hint{onmouseover=alert(1)}\ntext\n:::'],
  [':::hint holding HTML', ':::hint\n<img src=x onerror=alert(1)>\n:::'],
  [':::run holding HTML', ':::run\n<script>alert(1)</script>\n:::'],
  ['unknown container with a handler', ':::evil{onclick=alert(1)}\n<script>alert(1)</script>\n:::'],
  ['text directive with a handler', 'x :evil[y]{onclick=alert(1)} z'],
  ['footnote named like a global', 'x[^__proto__] y[^location]\n\n[^__proto__]: a\n[^location]: b'],
  ['GFM literal autolink to javascript', 'javascript:alert(1) and www.javascript:alert(1)'],
  ['null byte in a link', '[x](java\u0000script:alert(1))'],
];

describe('renderPage: sanitiser against XSS payloads', () => {
  it('has a checker that finds each kind of vector (so a pass below means something)', () => {
    expect(
      findVectors(
        [
          '<script>x</script>',
          '<img src="javascript:x" onerror="x">',
          '<a href=" JaVa\tScRiPt:x">x</a>',
          '<a href="https://ok">no rel</a>',
          '<p style="x" id="clobber">x</p>',
          '<div data-evil="x">x</div>',
          '<iframe srcdoc="x"></iframe>',
          '<svg></svg><math></math><form></form><object></object><embed><base><meta>',
          '<!-- c -->',
          '<input type="text">',
        ].join(''),
      ),
    ).toEqual([
      '<script>',
      '<img src="javascript:x">',
      '<img src="javascript:x">',
      '<img onError>',
      '<a href=" JaVa\tScRiPt:x">',
      '<a href=" JaVa\tScRiPt:x">',
      '<a> without rel',
      '<a> without rel',
      '<p style>',
      '<p id="clobber">',
      '<div dataEvil>',
      '<iframe>',
      '<iframe srcdoc>',
      '<svg>',
      '<math>',
      '<form>',
      '<object>',
      '<embed>',
      '<base>',
      '<meta>',
      'comment <!-- c -->',
      '<input> other than a disabled checkbox',
    ]);
  });

  it('is tried with at least 30 payloads', () => {
    expect(payloads.length).toBeGreaterThanOrEqual(30);
  });

  // Each payload alone, inside a hint, in a list item and in a quote: the sanitiser runs on the whole tree.
  const wrappings: [string, (payload: string) => string][] = [
    ['alone', (payload) => payload],
    ['in a hint', (payload) => `:::hint\n${payload}\n:::`],
    ['in a list item', (payload) => `- ${payload.replaceAll('\n', '\n  ')}`],
    ['in a quote', (payload) => `> ${payload.replaceAll('\n', '\n> ')}`],
  ];

  it.each(payloads)('%s: no executable vector in the HTML', (_name, payload) => {
    for (const [where, wrap] of wrappings) {
      const page = renderPage(wrap(payload), context);
      expect(findVectors(page.html), `${where}: ${page.html}`).toEqual([]);
    }
  });

  it('reports the raw HTML and dangerous links it dropped', () => {
    const reported = (markdown: string): string[] =>
      renderPage(markdown, context).problems.map((p) => p.field);
    expect(reported('<img src=x onerror=alert(1)>')).toEqual(['html']);
    expect(reported('[x](javascript:alert(1))')).toEqual(['link']);
    expect(reported('[x][evil]\n\n[evil]: javascript:alert(1)')).toEqual(['link']);
    expect(reported('![x](data:image/png;base64,AAAA)')).toEqual(['image']);
    expect(reported('::run[x]{onclick=alert(1)}')).toEqual(['::run{onclick}']);
  });

  it('survives random pages made of payload fragments', () => {
    const pieces = [
      ...payloads.map(([, payload]) => payload),
      '\n',
      '\n\n',
      '- ',
      '> ',
      ':::hint\n',
      '\n:::\n',
      '::run[',
      ']',
      '{',
      '}',
      '"',
      "'",
      '<',
      '>',
      '`',
      '```\n',
      '*',
      '_',
      '[',
      '](',
      ')',
      'javascript:',
      '&#',
      ';',
      '\\',
    ];
    // A fixed seed: the same pages every run.
    let seed = 20240611;
    const random = (below: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % below;
    };
    for (let page = 0; page < 300; page += 1) {
      const markdown = Array.from({ length: 1 + random(12) }, () => pieces[random(pieces.length)]).join('');
      const rendered = renderPage(markdown, context);
      expect(findVectors(rendered.html), markdown).toEqual([]);
    }
  });
});
