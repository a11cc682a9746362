import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { yaml } from '@codemirror/lang-yaml';
import { markdownLanguage } from '@codemirror/lang-markdown';
import { defaultHighlightStyle, LanguageSupport, syntaxHighlighting } from '@codemirror/language';
import { lintGutter, setDiagnostics } from '@codemirror/lint';
import { EditorState } from '@codemirror/state';
import { drawSelection, EditorView, highlightActiveLine, keymap, lineNumbers } from '@codemirror/view';
import { useEffect, useRef } from 'react';
import { editorTheme } from '../lib/editor-theme.ts';
import type { ContentProblem } from '../lib/class-exercises.ts';
import { problemDiagnostics } from '../lib/problem-marks.ts';

const theme = editorTheme('24rem');

/**
 * One CodeMirror editor: the page's Markdown or the exercises' YAML. Its text area is named by
 * `label` (a textbox for assistive technology); Tab leaves it, as everywhere else on the page.
 * `problems` of `input` show as lint marks on their lines.
 */
export default function CodeEditor({
  label,
  language,
  value,
  onChange,
  problems,
  input,
  describedBy,
}: {
  label: string;
  language: 'markdown' | 'yaml';
  value: string;
  onChange: (value: string) => void;
  problems: readonly ContentProblem[];
  input: ContentProblem['in'];
  describedBy?: string;
}) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | undefined>(undefined);
  const changed = useRef(onChange);
  const initial = useRef(value);

  useEffect(() => {
    changed.current = onChange;
  }, [onChange]);

  useEffect(() => {
    const editor = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: initial.current,
        extensions: [
          lineNumbers(),
          history(),
          drawSelection(),
          highlightActiveLine(),
          keymap.of([...defaultKeymap, ...historyKeymap]),
          syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
          language === 'yaml' ? yaml() : new LanguageSupport(markdownLanguage),
          language === 'markdown' ? EditorView.lineWrapping : [],
          lintGutter(),
          theme,
          EditorView.contentAttributes.of({
            'aria-label': label,
            ...(describedBy ? { 'aria-describedby': describedBy } : {}),
          }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) changed.current(update.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = editor;
    return () => {
      editor.destroy();
      view.current = undefined;
    };
  }, [label, language, describedBy]);

  // A text from outside (a lesson loaded, a template) replaces the document; typing comes back equal.
  useEffect(() => {
    const editor = view.current;
    if (!editor || editor.state.doc.toString() === value) return;
    editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: value } });
  }, [value]);

  useEffect(() => {
    const editor = view.current;
    if (editor)
      editor.dispatch(setDiagnostics(editor.state, problemDiagnostics(editor.state.doc, problems, input)));
  }, [problems, input]);

  return (
    <div>
      {/* The text area's name is its aria-label; this shows the same words. */}
      <p className="lesson-editor-label" aria-hidden="true">
        {label}
      </p>
      <div ref={host} className="code-editor" />
    </div>
  );
}
