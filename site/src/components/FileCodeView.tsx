import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { defaultHighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { EditorState } from '@codemirror/state';
import { drawSelection, EditorView, highlightActiveLine, keymap, lineNumbers } from '@codemirror/view';
import { useEffect, useRef } from 'react';
import { editorTheme } from '../lib/editor-theme.ts';
import { languageExtension } from '../lib/code-languages.ts';
import type { FileLanguage } from '../lib/file-editor.ts';

const theme = editorTheme('28rem');

/** What the file editor can do to its CodeMirror view from outside: insert a snippet at the cursor. */
export interface CodeViewHandle {
  insert(text: string): void;
}

/**
 * The CodeMirror view of one opened file (a lazy chunk of FileEditor): highlighted by `language`,
 * read-only when asked, Ctrl/Cmd+S saves. Its text area is named "File content". A new `document`
 * (another file opened, or reloaded) replaces the text and its undo history.
 */
export default function FileCodeView({
  document,
  language,
  readOnly,
  onChange,
  onSave,
  onReady,
}: {
  /** The file's text as opened; a new object is a new document. */
  document: { text: string };
  language: FileLanguage;
  readOnly: boolean;
  onChange: (text: string) => void;
  onSave: () => void;
  onReady?: (handle: CodeViewHandle) => void;
}) {
  const host = useRef<HTMLDivElement>(null);
  const callbacks = useRef({ onChange, onSave });

  useEffect(() => {
    callbacks.current = { onChange, onSave };
  }, [onChange, onSave]);

  useEffect(() => {
    const view = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: document.text,
        extensions: [
          lineNumbers(),
          history(),
          drawSelection(),
          highlightActiveLine(),
          keymap.of([
            {
              key: 'Mod-s',
              preventDefault: true,
              run: () => {
                callbacks.current.onSave();
                return true;
              },
            },
            ...defaultKeymap,
            ...historyKeymap,
          ]),
          syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
          languageExtension(language),
          EditorState.readOnly.of(readOnly),
          theme,
          EditorView.contentAttributes.of({
            'aria-label': 'File content',
            'aria-multiline': 'true',
            ...(readOnly ? { 'aria-readonly': 'true' } : {}),
          }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) callbacks.current.onChange(update.state.doc.toString());
          }),
        ],
      }),
    });
    onReady?.({
      insert(text) {
        if (readOnly) return;
        const { from, to } = view.state.selection.main;
        view.dispatch({ changes: { from, to, insert: text }, selection: { anchor: from + text.length } });
        view.focus();
      },
    });
    return () => view.destroy();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- a new document, language or mode makes a new view
  }, [document, language, readOnly]);

  return <div ref={host} className="code-editor" />;
}
