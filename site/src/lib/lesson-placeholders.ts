// Build-time side of lesson placeholders such as {{hub.username}}: each becomes
// <span data-var="hub.username">, which the page fills once it knows the value (lesson-vars.ts).
// MDX reads `{` as the start of an expression, so prose placeholders are rewritten to <Var /> before
// MDX parses the file; those in code (fenced blocks, inline code) are rewritten after highlighting.

import {
  placeholderFallbacks,
  placeholderPattern as PLACEHOLDER,
  type PlaceholderName,
} from '../../../engine/src/contract.ts';
import { splitPlaceholders } from './placeholder-text.ts';

/** Minimal hast shapes, enough to walk and rewrite the tree. */
interface HastText {
  type: 'text';
  value: string;
}
interface HastElement {
  type: 'element';
  tagName: string;
  properties?: Record<string, unknown>;
  children: HastNode[];
}
type HastNode = HastText | HastElement | { type: string; children?: HastNode[] };

const isElement = (node: HastNode): node is HastElement => node.type === 'element';
const isText = (node: HastNode): node is HastText => node.type === 'text';
const matches = (text: string) => new RegExp(PLACEHOLDER.source).test(text);

function textOf(node: HastNode): string {
  if (isText(node)) return node.value;
  return (node.children ?? []).map(textOf).join('');
}

function varSpan(name: string): HastElement {
  return {
    type: 'element',
    tagName: 'span',
    properties: { dataVar: name },
    children: [{ type: 'text', value: placeholderFallbacks[name as PlaceholderName] ?? name }],
  };
}

/** Splits a text into text nodes and placeholder spans. */
function splitText(value: string): HastNode[] {
  return splitPlaceholders(value).map((part) =>
    typeof part === 'string' ? { type: 'text', value: part } : varSpan(part.name),
  );
}

function rewrite(node: HastNode): void {
  if (!('children' in node) || !node.children) return;
  // A highlighter may cut a placeholder into several tokens: such a line becomes plain text first.
  if (isElement(node) && node.children.some((c) => !isText(c)) && matches(textOf(node))) {
    const direct = node.children.some((c) => isText(c) && matches(c.value));
    const inOneChild = node.children.some((c) => !isText(c) && matches(textOf(c)));
    if (!direct && !inOneChild) node.children = [{ type: 'text', value: textOf(node) }];
  }
  node.children = node.children.flatMap((child) =>
    isText(child) && matches(child.value) ? splitText(child.value) : [child],
  );
  for (const child of node.children) rewrite(child);
}

/** Rehype plugin: placeholders left in the rendered HTML (code blocks, inline code) become spans. */
export function rehypeLessonVars() {
  return (tree: HastNode) => rewrite(tree);
}

/** Rewrites placeholders in MDX prose to `<Var name="…" />`; code spans, fences and tags are left alone. */
export function placeholdersToVar(source: string): string {
  let fence: string | undefined;
  return source
    .split('\n')
    .map((line) => {
      const fenceMatch = /^\s*(```+|~~~+)/.exec(line);
      if (fenceMatch) {
        if (!fence) fence = fenceMatch[1];
        else if (fenceMatch[1]!.startsWith(fence)) fence = undefined;
        return line;
      }
      if (fence || !matches(line)) return line;
      // Inline code and JSX tags (their attributes) keep the placeholder as written.
      return line.replace(/(`+)[\s\S]*?\1|<[A-Za-z][^>]*>|[^`<]+|[`<]/g, (part) =>
        part.startsWith('`') || /^<[A-Za-z]/.test(part)
          ? part
          : part.replace(new RegExp(PLACEHOLDER.source, 'g'), (_m, name: string) => `<Var name="${name}" />`),
      );
    })
    .join('\n');
}

/** Vite plugin: applies `placeholdersToVar` to lesson MDX files before the MDX compiler sees them. */
export function lessonPlaceholdersPlugin() {
  return {
    name: 'dockyard-lesson-placeholders',
    enforce: 'pre' as const,
    transform(code: string, id: string) {
      const file = id.split('?')[0] ?? id;
      if (!/[\\/]lessons[\\/].+\.mdx$/.test(file) || !matches(code)) return undefined;
      const body = code.indexOf('\n---', 3);
      // Frontmatter stays as written: the placeholder rewriting concerns the lesson text only.
      if (code.startsWith('---') && body > 0) {
        const end = body + 4;
        return { code: code.slice(0, end) + placeholdersToVar(code.slice(end)), map: null };
      }
      return { code: placeholdersToVar(code), map: null };
    },
  };
}
