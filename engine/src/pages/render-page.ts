import type { Root as HastRoot } from 'hast';
import type { Data, Nodes, Parent, PhrasingContent, Root as MdastRoot, RootContent } from 'mdast';
import rehypeSanitize, { defaultSchema } from 'rehype-sanitize';
import type { Options as SanitizeSchema } from 'rehype-sanitize';
import rehypeStringify from 'rehype-stringify';
import remarkDirective from 'remark-directive';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import remarkRehype, { defaultHandlers } from 'remark-rehype';
import { unified } from 'unified';
import { visit } from 'unist-util-visit';
import { checkPageLimits } from './page-limits.ts';

export { maxPageBytes, maxPageNesting } from './page-limits.ts';

// An instructor's page (Markdown with Dockyard's directives) rendered to HTML that is safe to put in a
// learner's page. The Markdown is parsed by remark (CommonMark, GFM, and the generic directive syntax),
// the directives become inert placeholders (`<div data-dockyard="run" data-command="…">`) that the site
// hydrates into its author components, raw HTML is dropped, and the HTML tree is then cleaned by
// rehype-sanitize with a schema narrower than GitHub's. No code runs here: nothing the instructor writes
// is evaluated, only parsed. Pure and synchronous, with no Node or DOM API, so the server and the
// site's live preview can both call it. docs/authoring.md ("Instructor pages: rendering and safety")
// gives the syntax.

/** Ids the page may name: those of the exercise definitions that go with it. */
export interface PageContext {
  exercises: string[];
  quizzes: string[];
}

/** One problem of a page, on its 1-based line; `field` names the directive (`::exercise{id=x}`), `html`, a link, or `page`. */
export interface PageProblem {
  line: number;
  field: string;
  message: string;
}

/** The page as HTML, and every problem found; problems are never thrown. */
export interface RenderedPage {
  html: string;
  problems: PageProblem[];
}

const leafNames = ['run', 'copy', 'exercise', 'quiz', 'preview'] as const;
const containerNames = ['hint', 'run', 'copy'] as const;
const knownNames = new Set<string>([...leafNames, ...containerNames]);
const directiveList = '::run, ::copy, ::exercise, ::quiz, ::preview, :::hint, :::run and :::copy';

/** Protocols a link (`href`) and an image (`src`) may use; relative URLs are always allowed. */
const linkProtocols = ['http', 'https', 'mailto'];
const imageProtocols = ['https'];

/** Ids in the page (footnotes) get this prefix, so they cannot clobber the site's own ids or globals. */
const clobberPrefix = 'user-content-';

const kebabCase = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/**
 * What survives in the HTML: the elements Markdown and GFM produce and the two placeholders, each with
 * a short list of attributes. Built on rehype-sanitize's `defaultSchema` (GitHub's rules: clobber
 * prefix, table ancestry, only a disabled checkbox as `input`), narrowed: no `details`, `picture`,
 * `ruby`, no global attributes, no `data-*` but the placeholders' own, http(s)/mailto links, https
 * images.
 */
export const pageSanitizeSchema: SanitizeSchema = {
  ...defaultSchema,
  tagNames: [
    'a',
    'aside',
    'blockquote',
    'br',
    'code',
    'del',
    'div',
    'em',
    'h1',
    'h2',
    'h3',
    'h4',
    'h5',
    'h6',
    'hr',
    'img',
    'input',
    'li',
    'ol',
    'p',
    'pre',
    'section',
    'strong',
    'sup',
    'table',
    'tbody',
    'td',
    'th',
    'thead',
    'tr',
    'ul',
  ],
  attributes: {
    a: ['href', 'title', 'id', 'ariaDescribedBy', 'ariaLabel', ['className', 'data-footnote-backref']],
    img: ['src', 'alt', 'title'],
    code: [['className', /^language-[\w+#.-]+$/]],
    ol: ['start', ['className', 'contains-task-list']],
    ul: [['className', 'contains-task-list']],
    li: ['id', ['className', 'task-list-item']],
    input: [['type', 'checkbox'], ['disabled', true], 'checked'],
    h2: ['id', ['className', 'sr-only']],
    section: [['className', 'footnotes']],
    td: ['align'],
    th: ['align'],
    div: [
      ['dataDockyard', 'run', 'copy', 'exercise', 'quiz', 'preview'],
      'dataCommand',
      'dataText',
      ['dataId', kebabCase],
      ['dataPort', /^\d{1,5}$/],
    ],
    aside: [['dataDockyard', 'hint']],
  },
  clobberPrefix,
  protocols: { href: linkProtocols, src: imageProtocols },
  required: { input: { type: 'checkbox', disabled: true } },
  strip: ['script', 'style'],
  allowComments: false,
  allowDoctypes: false,
};

// One processor for every page. remark-rehype leaves out `html` nodes (no allowDangerousHtml), and
// gives footnote ids no prefix because the sanitiser adds it (see `finishLinks`). Two of its handlers
// look at every sibling for each list item and table row, which is quadratic (a list of 80,000 items
// took 40 s more than its parse). These call them without the siblings: `normaliseList` has already
// given each item the list's looseness, and a row only needs to know whether it is the first.
const processor = unified()
  .use(remarkParse)
  .use(remarkGfm)
  .use(remarkDirective)
  .use(remarkRehype, {
    clobberPrefix: '',
    handlers: {
      listItem: (state, node) => defaultHandlers.listItem(state, node, undefined),
      tableRow: (state, node, parent) =>
        defaultHandlers.tableRow(
          state,
          node,
          parent?.type === 'table'
            ? { ...parent, children: parent.children[0] === node ? [node] : [] }
            : parent,
        ),
    },
  })
  .use(rehypeSanitize, pageSanitizeSchema)
  .use(rehypeStringify)
  .freeze();

/**
 * Renders an instructor's page to safe HTML. Directives naming an exercise or a quiz must name one of
 * `context`. Problems come back in line order; a directive with a problem is left out of the HTML, and
 * a page that breaks a limit of `checkPageLimits` (over `maxPageBytes`, nested deeper than
 * `maxPageNesting`, …) is not rendered at all: one problem, and no HTML.
 */
export function renderPage(markdown: string, context: PageContext): RenderedPage {
  // Checked before parsing: the parser's time grows faster than the page for a few shapes.
  const limit = checkPageLimits(markdown);
  if (limit) return { html: '', problems: [limit] };

  const state: State = { source: markdown, context, problems: [], htmlLines: new Set() };
  try {
    const mdast = processor.parse(markdown);
    transformChildren(mdast, state);
    const hast = processor.runSync(mdast);
    finishLinks(hast);
    return { html: processor.stringify(hast), problems: inLineOrder(state.problems) };
  } catch (error) {
    // A safety net for a page the libraries cannot take (markup nested thousands deep overflows their
    // stack; checkPageLimits refuses every such page known).
    const reason = error instanceof Error ? error.message : String(error);
    state.problems.push({ line: 1, field: 'page', message: `The page could not be rendered: ${reason}` });
    return { html: '', problems: inLineOrder(state.problems) };
  }
}

interface State {
  source: string;
  context: PageContext;
  problems: PageProblem[];
  /** Lines already reported for raw HTML, so `a <b>x</b>` is one problem. */
  htmlLines: Set<number>;
}

type LeafDirective = Extract<Nodes, { type: 'leafDirective' }>;
type ContainerDirective = Extract<Nodes, { type: 'containerDirective' }>;
type TextDirective = Extract<Nodes, { type: 'textDirective' }>;
type AnyDirective = LeafDirective | ContainerDirective | TextDirective;

function transformChildren(parent: Parent | MdastRoot, state: State): void {
  const children: RootContent[] = [];
  for (const child of parent.children) for (const node of transformNode(child, state)) children.push(node);
  parent.children = children;
}

/** The nodes that take `node`'s place: itself (changed), others, or none. */
function transformNode(node: RootContent, state: State): RootContent[] {
  switch (node.type) {
    case 'html':
      reportHtml(node, state);
      return [];
    case 'textDirective':
      return [textDirectiveAsText(node, state)];
    case 'leafDirective':
      return leafDirective(node, state) ? [node] : [];
    case 'containerDirective':
      return containerDirective(node, state);
    case 'link':
      checkUrl(node, node.url, linkProtocols, 'link', state);
      break;
    case 'definition':
      checkUrl(node, node.url, linkProtocols, 'link', state);
      break;
    case 'image':
      checkUrl(node, node.url, imageProtocols, 'image', state);
      break;
    case 'list':
      normaliseList(node);
      break;
  }
  if ('children' in node) transformChildren(node, state);
  return [node];
}

/**
 * Gives every item the looseness of its list (loose if any item is), as mdast-util-to-hast decides
 * it, so the `listItem` handler can read it from the item alone and renders exactly as before.
 */
function normaliseList(list: Extract<Nodes, { type: 'list' }>): void {
  const loose =
    list.spread === true ||
    list.children.some((item) =>
      item.spread === null || item.spread === undefined ? item.children.length > 1 : item.spread,
    );
  list.spread = loose;
  for (const item of list.children) item.spread = loose;
}

function reportHtml(node: RootContent, state: State): void {
  const line = lineOf(node);
  if (state.htmlLines.has(line)) return;
  state.htmlLines.add(line);
  const comment = 'value' in node && node.value.trimStart().startsWith('<!--');
  state.problems.push({
    line,
    field: 'html',
    message: comment
      ? 'HTML comments are not kept: the comment was left out.'
      : 'Raw HTML is not allowed and was left out; write Markdown and the directives instead.',
  });
}

/**
 * A text directive (`:name` inside a sentence) is shown as its source text: prose such as `10:30` or
 * `a:b` parses as one. Dockyard's names are reported, since the author meant the block form.
 */
function textDirectiveAsText(node: TextDirective, state: State): PhrasingContent {
  if (knownNames.has(node.name)) {
    const block = node.name === 'hint' ? ':::hint' : `::${node.name}`;
    report(
      state,
      node,
      `:${node.name}`,
      `Directives inside a sentence are shown as plain text; put ${block} at the start of a line of its own.`,
    );
  }
  const start = node.position?.start.offset;
  const end = node.position?.end.offset;
  const value = start !== undefined && end !== undefined ? state.source.slice(start, end) : `:${node.name}`;
  return { type: 'text', value, position: node.position };
}

/** Turns a leaf directive into its placeholder; false (with a problem) when it cannot be rendered. */
function leafDirective(node: LeafDirective, state: State): boolean {
  const { name } = node;
  switch (name) {
    case 'run':
    case 'copy': {
      checkAttributes(node, `::${name}`, [], state);
      const text = labelSource(node, state.source).trim();
      if (!text) {
        report(
          state,
          node,
          `::${name}`,
          `The ${name === 'run' ? 'command' : 'text'} is empty: write it in the brackets, ::${name}[docker ps], or in a fenced code block inside :::${name}.`,
        );
        return false;
      }
      placeholder(node, 'div', name === 'run' ? { dataCommand: text } : { dataText: text }, name);
      return true;
    }
    case 'exercise':
    case 'quiz': {
      checkNoLabel(node, `::${name}`, state);
      checkAttributes(node, `::${name}`, ['id'], state);
      const id = node.attributes?.id ?? '';
      const known = name === 'exercise' ? state.context.exercises : state.context.quizzes;
      if (!id) {
        report(state, node, `::${name}`, `Name the ${name}: ::${name}{id=its-id}.`);
        return false;
      }
      if (!known.includes(id)) {
        const defined = known.length > 0 ? known.join(', ') : 'none';
        report(
          state,
          node,
          `::${name}{id=${id}}`,
          `No ${name} with this id in the exercise definitions; defined ids: ${defined}.`,
        );
        return false;
      }
      placeholder(node, 'div', { dataId: id }, name);
      return true;
    }
    case 'preview': {
      checkNoLabel(node, '::preview', state);
      checkAttributes(node, '::preview', ['port'], state);
      const port = node.attributes?.port;
      if (port === undefined || port === null || port === '') {
        report(state, node, '::preview', 'Give the port of the learner’s app: ::preview{port=5000}.');
        return false;
      }
      const number = /^\d{1,5}$/.test(port) ? Number(port) : NaN;
      if (!(number >= 1 && number <= 65535)) {
        report(
          state,
          node,
          `::preview{port=${port}}`,
          `The port must be a whole number from 1 to 65535, not "${port}".`,
        );
        return false;
      }
      placeholder(node, 'div', { dataPort: String(number) }, name);
      return true;
    }
    case 'hint':
      report(
        state,
        node,
        '::hint',
        'A hint holds Markdown: write :::hint on a line, the hint below it, then ::: on a line of its own.',
      );
      return false;
    default:
      report(state, node, `::${name}`, `Unknown directive "${name}"; Dockyard knows ${directiveList}.`);
      return false;
  }
}

function containerDirective(node: ContainerDirective, state: State): RootContent[] {
  const { name } = node;
  const label = node.children.find(isLabel);
  const body = node.children.filter((child) => !isLabel(child));
  switch (name) {
    case 'hint': {
      if (label) report(state, label, ':::hint[]', 'A hint takes no label in brackets; it was left out.');
      checkAttributes(node, ':::hint', [], state);
      node.children = body;
      transformChildren(node, state);
      node.data = { ...node.data, hName: 'aside', hProperties: { dataDockyard: 'hint' } };
      return [node];
    }
    case 'run':
    case 'copy': {
      if (label) report(state, label, `:::${name}[]`, `:::${name} takes no label; it was left out.`);
      checkAttributes(node, `:::${name}`, [], state);
      const [code, ...rest] = body;
      if (!code || code.type !== 'code' || rest.length > 0) {
        report(
          state,
          node,
          `:::${name}`,
          `:::${name} holds one fenced code block with the ${name === 'run' ? 'command' : 'text'}, and nothing else.`,
        );
        return [];
      }
      const text = code.value.replace(/^\s*\n/, '').trimEnd();
      if (!text.trim()) {
        report(state, node, `:::${name}`, `The ${name === 'run' ? 'command' : 'text'} is empty.`);
        return [];
      }
      placeholder(node, 'div', name === 'run' ? { dataCommand: text } : { dataText: text }, name);
      return [node];
    }
    case 'exercise':
    case 'quiz':
    case 'preview':
      report(
        state,
        node,
        `:::${name}`,
        `Write ::${name}{…} (two colons) on a line of its own: it holds no Markdown.`,
      );
      return [];
    default: {
      // Keep the text, so the preview still shows it, but say the directive is not known.
      report(state, node, `:::${name}`, `Unknown directive "${name}"; Dockyard knows ${directiveList}.`);
      const wrapper = { ...node, children: body };
      transformChildren(wrapper, state);
      return wrapper.children;
    }
  }
}

function isLabel(node: RootContent): boolean {
  return (
    node.type === 'paragraph' &&
    (node.data as { directiveLabel?: boolean } | undefined)?.directiveLabel === true
  );
}

/** Makes `node` render as an empty `<tag data-dockyard="kind" …>` and nothing else. */
function placeholder(
  node: LeafDirective | ContainerDirective,
  tag: string,
  properties: Record<string, string>,
  kind: string,
): void {
  const data: Data = { hName: tag, hProperties: { dataDockyard: kind, ...properties }, hChildren: [] };
  node.data = data;
}

/** The label (`[…]`) exactly as written: a command is not Markdown, so `*`, `` ` `` and `\` stay. */
function labelSource(node: LeafDirective, source: string): string {
  const first = node.children[0]?.position?.start.offset;
  const last = node.children.at(-1)?.position?.end.offset;
  if (first === undefined || last === undefined) return textOf(node);
  return source.slice(first, last);
}

function textOf(node: Nodes): string {
  if ('value' in node) return node.value;
  if ('children' in node) return node.children.map((child: Nodes) => textOf(child)).join('');
  return '';
}

function checkNoLabel(node: LeafDirective, field: string, state: State): void {
  if (node.children.length > 0) report(state, node, field, `${field} takes no text in brackets.`);
}

function checkAttributes(node: AnyDirective, field: string, allowed: string[], state: State): void {
  for (const name of Object.keys(node.attributes ?? {})) {
    if (allowed.includes(name)) continue;
    const takes = allowed.length > 0 ? `only ${allowed.join(', ')}` : 'no attributes';
    report(state, node, `${field}{${name}}`, `${field} takes ${takes}; "${name}" was left out.`);
  }
}

/** Reports a URL the sanitiser would drop, by the same rule (`hast-util-sanitize`'s protocol check). */
function checkUrl(node: RootContent, url: string, protocols: string[], field: string, state: State): void {
  if (urlAllowed(url, protocols)) return;
  const allowed =
    field === 'image'
      ? 'An image must be https: or a relative URL'
      : 'A link may use http:, https:, mailto: or a relative URL';
  report(state, node, field, `${allowed} (scheme in lowercase); "${truncate(url)}" was left out.`);
}

function urlAllowed(url: string, protocols: string[]): boolean {
  const colon = url.indexOf(':');
  if (colon < 0) return true;
  for (const mark of ['/', '?', '#']) {
    const at = url.indexOf(mark);
    if (at > -1 && colon > at) return true;
  }
  return protocols.includes(url.slice(0, colon));
}

/**
 * After sanitising: every link gets `rel="noopener noreferrer"`, and in-page links (`#fn-1`) get the
 * prefix the sanitiser gave every id, so footnotes still jump to their notes.
 */
function finishLinks(tree: HastRoot): void {
  visit(tree, 'element', (element) => {
    const href = element.properties.href;
    if (element.tagName !== 'a' || typeof href !== 'string') return;
    element.properties.rel = ['noopener', 'noreferrer'];
    if (href.startsWith('#') && !href.startsWith(`#${clobberPrefix}`)) {
      element.properties.href = `#${clobberPrefix}${href.slice(1)}`;
    }
  });
}

function report(state: State, node: Nodes, field: string, message: string): void {
  state.problems.push({ line: lineOf(node), field, message });
}

function lineOf(node: Nodes): number {
  return node.position?.start.line ?? 1;
}

/** Sorted by line; `sort` is stable, so problems of one line keep the order they were found in. */
function inLineOrder(problems: PageProblem[]): PageProblem[] {
  return [...problems].sort((a, b) => a.line - b.line);
}

function truncate(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}
