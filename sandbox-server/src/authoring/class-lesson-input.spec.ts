import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ContentError,
  pageSummary,
  pageTitle,
  parseClassLessonInput,
  parseExercisesYaml,
  yamlShape,
  type ContentProblem,
} from './class-lesson-input.ts';

const COURSE = new Set(['first-container', 'volumes']);

export const GOOD_YAML = `exercises:
  - id: make-file
    title: Make the file
    solve: touch /tmp/done
    checks:
      - id: file-made
        kind: command
        run: test -f /tmp/done
        title: The file is there
        message: There is no /tmp/done.
        hint: touch /tmp/done
quizzes:
  - id: why
    question: Why?
    options: [Because, Why not]
    answer: [0]
    explanation: Because.
`;

const GOOD_PAGE =
  '# Make a file\n\nYou make a file in your machine.\nIt is short.\n\n:::exercise{id=make-file}\n:::\n';

/** The ContentError that parsing the body throws, with its problems. */
function problemsOf(body: Record<string, unknown>): ContentProblem[] {
  try {
    parseClassLessonInput({ slug: 'make-a-file', page: GOOD_PAGE, exercises: GOOD_YAML, ...body }, COURSE);
  } catch (err) {
    if (err instanceof ContentError) return err.problems;
    throw err;
  }
  throw new Error('expected a ContentError');
}

describe('a class lesson as an instructor sends it', () => {
  it('is read with its title, summary and exercises', () => {
    const lesson = parseClassLessonInput(
      { slug: 'make-a-file', page: GOOD_PAGE, exercises: GOOD_YAML },
      COURSE,
    );
    expect(lesson).toMatchObject({
      slug: 'make-a-file',
      title: 'Make a file',
      summary: 'You make a file in your machine. It is short.',
      exercisesYaml: GOOD_YAML,
      page: GOOD_PAGE,
    });
    expect(lesson.content.exercises.map((e) => e.id)).toEqual(['make-file']);
    expect(lesson.content.quizzes.map((q) => q.id)).toEqual(['why']);
  });

  it('lists every schema problem with its line and field, as the course validator does', () => {
    const yaml = GOOD_YAML.replace('kind: command', 'kind: comand').replace(
      '    solve: touch /tmp/done\n',
      '',
    );
    expect(problemsOf({ exercises: yaml })).toEqual([
      { in: 'exercises', line: 2, field: 'exercises[0].solve', message: expect.any(String) },
      { in: 'exercises', line: 6, field: 'exercises[0].checks[0].kind', message: expect.any(String) },
    ]);
  });

  it('gives YAML syntax errors their line', () => {
    expect(problemsOf({ exercises: 'exercises:\n  - id: a\n    id: b\n' })).toEqual([
      { in: 'exercises', line: 3, field: '', message: expect.stringMatching(/^Not valid YAML: /) },
    ]);
  });

  it('refuses a bad slug, a course lesson slug, a page over 1 MiB and missing fields, all at once', () => {
    expect(
      problemsOf({ slug: 'Bad Slug!', page: 'x'.repeat(1024 * 1024 + 1) }).map((p) => [p.in, p.line]),
    ).toEqual([
      ['slug', null],
      ['page', null],
    ]);
    expect(problemsOf({ slug: 'x'.repeat(41) })[0]?.field).toBe('slug');
    expect(problemsOf({ slug: 'volumes' })).toEqual([
      {
        in: 'slug',
        line: null,
        field: 'slug',
        message:
          '"volumes" is the slug of a lesson of the course: choose another, so learners\' progress on the two stays apart.',
      },
    ]);
    expect(problemsOf({ slug: undefined, page: 3, exercises: { exercises: [] } }).map((p) => p.in)).toEqual([
      'slug',
      'page',
      'exercises',
    ]);
    // A 5 MB page is named as the page, not as the body.
    expect(problemsOf({ page: 'é'.repeat(2_500_000) })[0]?.message).toMatch(
      /^The page is 4883 KiB: at most 1024 KiB/,
    );
  });

  it('answers a 400 whose body has the error and the problems', () => {
    const err = (() => {
      try {
        return parseClassLessonInput({ slug: '', page: GOOD_PAGE, exercises: GOOD_YAML }, COURSE);
      } catch (e) {
        return e as ContentError;
      }
    })() as ContentError;
    expect(err.status).toBe(400);
    expect(JSON.parse(JSON.stringify(err))).toEqual({
      error: {
        code: 'bad_request',
        field: 'slug',
        message: expect.stringMatching(
          /^The class lesson has 1 problem; the first, in slug: The slug must be/,
        ),
      },
      problems: [expect.objectContaining({ in: 'slug' })],
    });
  });
});

describe('YAML that would cost the server', () => {
  it('refuses a 300 KiB text before parsing it', () => {
    const big = GOOD_YAML + `# ${'x'.repeat(300 * 1024)}\n`;
    expect(problemsOf({ exercises: big })).toEqual([
      { in: 'exercises', line: null, field: '', message: 'The exercises YAML is 301 KiB: at most 256 KiB.' },
    ]);
  });

  it('refuses a billion-laughs bomb by its aliases, at the line past the limit', () => {
    const levels = ['a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (let i = 1; i < 9; i++) {
      const [prev, name] = [String.fromCharCode(96 + i), String.fromCharCode(97 + i)];
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(', ')}]`);
    }
    const started = Date.now();
    const problems = problemsOf({ exercises: levels.join('\n') });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(problems).toEqual([
      {
        in: 'exercises',
        line: 4,
        field: '',
        message: 'The YAML has 72 aliases (*name): at most 20. Write the values out.',
      },
    ]);
  });

  it('refuses a few aliases that expand too far', () => {
    const yaml = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a]',
      'c: [*b, *b, *b, *b, *b, *b, *b, *b]',
    ].join('\n');
    expect(problemsOf({ exercises: yaml })).toEqual([
      { in: 'exercises', line: 2, field: '', message: expect.stringMatching(/^Not accepted: .*alias/) },
    ]);
  });

  it('allows a few aliases that do not', () => {
    const yaml = GOOD_YAML.replace('solve: touch /tmp/done', 'solve: &make touch /tmp/done').replace(
      '    checks:',
      '    setup: *make\n    checks:',
    );
    expect(
      parseClassLessonInput({ slug: 'a', page: '', exercises: yaml }, COURSE).content.exercises[0]?.setup,
    ).toBe('touch /tmp/done');
  });

  it.each([
    ['flow', '['.repeat(200_000)],
    ['blocks', Array.from({ length: 600 }, (_, i) => `${' '.repeat(i)}k:`).join('\n')],
    ['compact sequences', `${'- '.repeat(100_000)}x`],
  ])('refuses deep nesting (%s) quickly, naming the line', (_, yaml) => {
    const started = Date.now();
    const [problem] = problemsOf({ exercises: yaml });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(problem).toMatchObject({
      in: 'exercises',
      line: expect.any(Number),
      message: 'The YAML nests deeper than 32 levels here: an exercises file never needs that.',
    });
  });

  it("passes every exercises file of this repository's course (the limits leave room for real lessons)", () => {
    const lessons = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../lessons');
    const folders = readdirSync(lessons).filter((name) => /^\d+-/.test(name));
    expect(folders.length).toBeGreaterThan(5);
    for (const folder of folders) {
      const text = readFileSync(path.join(lessons, folder, 'exercises.yaml'), 'utf8');
      const problems: ContentProblem[] = [];
      expect(parseExercisesYaml(text, problems), folder).toBeDefined();
      expect(problems).toEqual([]);
      expect(yamlShape(text).depth).toBeLessThan(16);
    }
  });
});

describe('the title and summary of a page', () => {
  it('takes the first # heading outside code blocks, else none', () => {
    expect(pageTitle('```\n# not this\n```\nIntro\n## Sub\n# Build *your* image #\n# Later')).toBe(
      'Build *your* image',
    );
    expect(pageTitle('## Only a subheading\ntext')).toBeUndefined();
    expect(pageTitle('#hashtag, not a heading')).toBeUndefined();
  });

  it('takes the first paragraph of plain text after the title', () => {
    expect(pageSummary('# T\n\nOne\ntwo.\n\nThree.')).toBe('One two.');
    expect(pageSummary('# T\n\n::run[docker ps]\n\nLater.')).toBeUndefined();
    expect(pageSummary('# T\n\n- a list\n')).toBeUndefined();
    expect(pageSummary('No title, a paragraph.')).toBe('No title, a paragraph.');
    expect(pageSummary(`# T\n\n${'word '.repeat(100)}`)).toHaveLength(300);
  });
});
