import { parseClassLessonInput, type ClassLessonInput } from './class-lesson-input.ts';

// Fixtures of the class-exercise specs: a one-exercise lesson whose check looks for a file that its
// solve makes, and a fake machine (for FakeRuntime.answer) where files come and go.

/** A page and its exercises YAML: exercise `make-file`, check `file-made` on `/tmp/<file>`. */
export function lessonText(options: { file?: string; solve?: string; setup?: string } = {}) {
  const file = options.file ?? 'done';
  const exercises = [
    ...(options.setup ? [`setup: ${options.setup}`] : []),
    'exercises:',
    '  - id: make-file',
    '    title: Make the file',
    '    auto: true',
    `    solve: ${options.solve ?? `touch /tmp/${file}`}`,
    '    checks:',
    '      - id: file-made',
    '        kind: command',
    `        run: test -f /tmp/${file}`,
    `        title: /tmp/${file} is there`,
    `        message: There is no /tmp/${file}.`,
    `        hint: touch /tmp/${file}`,
    'quizzes:',
    '  - id: why',
    '    question: Why make a file?',
    '    options: [To learn, To win]',
    '    answer: [0]',
    '    explanation: To learn.',
    '',
  ].join('\n');
  return { page: '# Make a file\n\nA file of your own.\n\n::exercise{id=make-file}\n', exercises };
}

/** A checked class lesson, as the routes would hand it to the store. */
export function lessonInput(
  slug = 'make-a-file',
  options: Parameters<typeof lessonText>[0] = {},
): ClassLessonInput {
  return parseClassLessonInput({ slug, ...lessonText(options) }, new Set(['first-container']));
}

/**
 * A machine's behaviour for FakeRuntime.answer: `touch` makes files, `test -f` finds them, `sleep
 * infinity` never ends; per machine (session id), so each fresh machine starts empty.
 */
export function filesMachine() {
  const files = new Map<string, Set<string>>();
  const of = (id: string) => files.get(id) ?? files.set(id, new Set()).get(id)!;
  const answer = (script: string, _options: unknown, id: string) => {
    if (script === 'sleep infinity') return new Promise<undefined>(() => undefined);
    if (script.startsWith('touch ')) {
      for (const file of script.slice('touch '.length).split(' ')) of(id).add(file);
      return { stdout: '' };
    }
    const test = /^test -f (\S+)$/.exec(script);
    if (test) return { exitCode: of(id).has(test[1]!) ? 0 : 1, stdout: '' };
    return undefined;
  };
  return { files: of, answer };
}
