import type { Element, Nodes } from 'hast';
import { fromHtml } from 'hast-util-from-html';
import { describe, expect, it } from 'vitest';
import { renderPage } from '../../../engine/src/pages/render-page.ts';
import {
  findPlaceholders,
  placedIds,
  readPlaceholder,
  type PlaceholderElement,
} from './class-lesson-placeholders.ts';

/** An element parsed as a browser parses it (parse5), answering getAttribute as the DOM does. */
function standIn(element: Element): PlaceholderElement & { node: Element } {
  return {
    node: element,
    tagName: element.tagName.toUpperCase(),
    getAttribute: (name) => {
      // hast keeps `data-command` as `dataCommand`.
      const value = element.properties[name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())];
      return value === undefined || value === null ? null : String(value);
    },
  };
}

/**
 * A stand-in for the article after `innerHTML = html`. It answers every element whatever the
 * selector, so the spec also shows `findPlaceholders` sorts out what is not a placeholder.
 */
function rootOf(html: string) {
  const elements: ReturnType<typeof standIn>[] = [];
  const walk = (node: Nodes): void => {
    if (node.type === 'element') elements.push(standIn(node));
    if ('children' in node) for (const child of node.children) walk(child);
  };
  walk(fromHtml(html, { fragment: true }));
  return { querySelectorAll: () => elements };
}

const page = `# Build an image

Build and run an image of your own.

::run[docker build -t {{hub.username}}/app .]

:::run
\`\`\`bash
cat > app.py <<'EOF'
print("a & b")
EOF
\`\`\`
:::

::copy[docker login hub.dockyard.internal:5000]

::exercise{id=build-image}

::quiz{id=what-is-an-image}

::preview{port=5000}

:::hint
Try \`docker images\`.

::run[docker images]
:::
`;

describe('findPlaceholders on the renderer’s HTML', () => {
  const rendered = renderPage(page, { exercises: ['build-image'], quizzes: ['what-is-an-image'] });

  it('finds every kind of placeholder, in document order, with what each asks for', () => {
    expect(rendered.problems).toEqual([]);
    const found = findPlaceholders(rootOf(rendered.html));
    expect(found.map(({ placeholder }) => placeholder)).toEqual([
      { kind: 'run', command: 'docker build -t {{hub.username}}/app .' },
      { kind: 'run', command: `cat > app.py <<'EOF'\nprint("a & b")\nEOF` },
      { kind: 'copy', text: 'docker login hub.dockyard.internal:5000' },
      { kind: 'exercise', id: 'build-image' },
      { kind: 'quiz', id: 'what-is-an-image' },
      { kind: 'preview', port: 5000 },
      { kind: 'hint' },
      // The hint's own command: found too, inside the hint.
      { kind: 'run', command: 'docker images' },
    ]);
    expect(found.map(({ element }) => element.tagName)).toEqual([
      'DIV',
      'DIV',
      'DIV',
      'DIV',
      'DIV',
      'DIV',
      'ASIDE',
      'DIV',
    ]);
  });

  it('names the exercises and quizzes the page places', () => {
    const placed = placedIds(findPlaceholders(rootOf(rendered.html)));
    expect([...placed.exercises]).toEqual(['build-image']);
    expect([...placed.quizzes]).toEqual(['what-is-an-image']);
  });
});

describe('readPlaceholder', () => {
  const read = (html: string) => findPlaceholders(rootOf(html)).map(({ placeholder }) => placeholder);

  it('ignores unknown kinds, and elements that are no placeholder', () => {
    expect(read('<div data-dockyard="video" data-id="x"></div><p>Text</p><div data-id="x"></div>')).toEqual(
      [],
    );
  });

  it('ignores a kind on another element than the renderer writes', () => {
    expect(
      read('<aside data-dockyard="run" data-command="ls"></aside><div data-dockyard="hint"></div>'),
    ).toEqual([]);
  });

  it('ignores a placeholder without what it needs', () => {
    expect(
      read(
        [
          '<div data-dockyard="run"></div>',
          '<div data-dockyard="copy" data-text=""></div>',
          '<div data-dockyard="exercise"></div>',
          '<div data-dockyard="quiz"></div>',
          '<div data-dockyard="preview" data-port="0"></div>',
          '<div data-dockyard="preview" data-port="70000"></div>',
          '<div data-dockyard="preview" data-port="80x"></div>',
        ].join(''),
      ),
    ).toEqual([]);
  });

  it('reads the attributes of a DOM-like element', () => {
    const attributes: Record<string, string> = { 'data-dockyard': 'preview', 'data-port': '8080' };
    expect(readPlaceholder({ tagName: 'DIV', getAttribute: (name) => attributes[name] ?? null })).toEqual({
      kind: 'preview',
      port: 8080,
    });
  });
});
