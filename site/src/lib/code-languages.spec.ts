import { ensureSyntaxTree, language } from '@codemirror/language';
import { EditorState } from '@codemirror/state';
import { describe, expect, it } from 'vitest';
import { languageExtension } from './code-languages.ts';
import { languageFor } from './file-editor.ts';

/** The file's language (by its name), and its syntax nodes as `type:text`. */
function parse(path: string, text: string): { language: string | undefined; nodes: string[] } {
  const state = EditorState.create({ doc: text, extensions: languageExtension(languageFor(path)) });
  const nodes: string[] = [];
  ensureSyntaxTree(state, state.doc.length, 5000)?.iterate({
    enter: (node) => {
      nodes.push(`${node.name}:${state.doc.sliceString(node.from, node.to)}`);
    },
  });
  return { language: state.facet(language)?.name, nodes };
}

describe('languageExtension by file name', () => {
  it("parses Python and Go with their Lezer grammars (a function is a node, not a keyword's colour)", () => {
    const py = parse('/home/learner/app/app.py', 'def hello():\n    return "hi"\n');
    expect(py.language).toBe('python');
    expect(py.nodes).toContain('FunctionDefinition:def hello():\n    return "hi"\n');
    expect(py.nodes).toContain('String:"hi"');

    const go = parse('main.go', 'package main\n\nfunc main() {}\n');
    expect(go.language).toBe('go');
    expect(go.nodes).toContain('PackageClause:package main');
    expect(go.nodes).toContain('FunctionDecl:func main() {}');
  });

  it('reads shell files (by extension and by dotfile name) with the shell mode: builtins, options, variables', () => {
    for (const path of ['run.sh', 'setup.bash', '/home/learner/.bashrc', '.profile']) {
      const sh = parse(path, 'echo "$HOME" # where\nif [ -f x ]; then exit 1; fi\n');
      expect(sh.language).toBe('shell');
      expect(sh.nodes).toEqual(
        expect.arrayContaining([
          'variableName.standard:echo',
          'variableName.definition:$HOME',
          'comment:# where',
          'attributeName:-f',
          'keyword:then',
        ]),
      );
    }
  });

  it('reads Dockerfiles with the Dockerfile mode', () => {
    for (const path of ['Dockerfile', 'app/Dockerfile.dev', 'web.dockerfile']) {
      const docker = parse(path, 'FROM node:20 AS build\nRUN ["npm", "start"]\nEXPOSE 8080\n');
      expect(docker.language).toBe('dockerfile');
      expect(docker.nodes).toEqual(
        expect.arrayContaining(['keyword:FROM', 'keyword:RUN', 'string:"npm"', 'number:8080']),
      );
    }
  });

  it('keeps YAML and Markdown, and leaves other files plain', () => {
    expect(parse('compose.yaml', 'services:\n  web: {}\n').language).toBe('yaml');
    expect(parse('README.md', '# Title\n').language).toBe('markdown');
    expect(parse('notes.txt', 'FROM x\n')).toEqual({ language: undefined, nodes: [] });
  });
});
