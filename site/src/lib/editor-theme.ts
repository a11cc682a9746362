import { EditorView } from '@codemirror/view';

/**
 * A CodeMirror theme from the site's own variables, so editors follow the light and dark themes;
 * `height` is the editor's own (it scrolls inside).
 */
export function editorTheme(height: string) {
  return EditorView.theme({
    '&': {
      height,
      border: '1px solid var(--border)',
      borderRadius: '6px',
      background: 'var(--surface)',
      color: 'var(--text)',
    },
    '&.cm-focused': { outline: '3px solid var(--focus)', outlineOffset: '2px' },
    '.cm-scroller': { fontFamily: 'var(--font-mono)', fontSize: '0.9rem', overflow: 'auto' },
    '.cm-content': { caretColor: 'var(--text)' },
    '.cm-gutters': {
      background: 'var(--code-background)',
      color: 'var(--text-muted)',
      borderRight: '1px solid var(--border)',
    },
    '.cm-activeLine': { background: 'color-mix(in srgb, var(--accent) 7%, transparent)' },
  });
}
