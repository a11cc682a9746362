import { go } from '@codemirror/lang-go';
import { markdownLanguage } from '@codemirror/lang-markdown';
import { python } from '@codemirror/lang-python';
import { yaml } from '@codemirror/lang-yaml';
import { LanguageSupport, StreamLanguage } from '@codemirror/language';
import type { Extension } from '@codemirror/state';
import { dockerFile } from '@codemirror/legacy-modes/mode/dockerfile';
import { shell } from '@codemirror/legacy-modes/mode/shell';
import type { FileLanguage } from './file-editor.ts';

// Highlighting for the file editor, from CodeMirror's own language packages: Lezer grammars for
// YAML, Markdown, Python and Go, and the legacy (CodeMirror 5) stream modes for Dockerfile and shell.
// They come with FileCodeView's chunk, not the page's. Anything else is plain text.

const languages: Record<Exclude<FileLanguage, 'text'>, () => Extension> = {
  yaml: () => yaml(),
  markdown: () => new LanguageSupport(markdownLanguage),
  python: () => python(),
  go: () => go(),
  dockerfile: () => new LanguageSupport(StreamLanguage.define({ ...dockerFile, name: 'dockerfile' })),
  shell: () => new LanguageSupport(StreamLanguage.define(shell)),
};

/** The editor extension that highlights a file of this language (none for plain text). */
export function languageExtension(language: FileLanguage): Extension {
  return language === 'text' ? [] : languages[language]();
}
