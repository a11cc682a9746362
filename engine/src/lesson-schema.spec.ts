import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  checkSchema,
  exerciseSchema,
  exercisesFileSchema,
  lessonFrontmatterSchema,
  quizSchema,
} from './lesson-schema.ts';
import { quiz } from './testing/quiz.ts';

const imageCheck = {
  id: 'image-pulled',
  kind: 'image',
  ref: 'hello-world',
  title: 'The hello-world image is on your machine',
  message: 'The hello-world image is not on your machine yet.',
  hint: 'Run `docker run hello-world`.',
};

const containerCheck = {
  id: 'container-exited',
  kind: 'container',
  image: 'hello-world',
  exitCode: 0,
  title: 'A container from hello-world ran and exited with code 0',
  message: 'No container from hello-world has finished successfully yet.',
  hint: 'Run `docker run hello-world`.',
};

const commandCheck = {
  id: 'says-hello',
  kind: 'command',
  run: 'docker run hello-world',
  title: 'hello-world greets you',
  message: 'hello-world did not greet you.',
  hint: 'Run it again.',
};

const exercise = {
  id: 'run-hello-world',
  title: 'Run your first container',
  solve: 'docker run hello-world',
  checks: [imageCheck],
};

function messages(result: { success: boolean; error?: z.ZodError }): string[] {
  return (result.error?.issues ?? []).map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('lessonFrontmatterSchema', () => {
  it('accepts title, summary and minutes', () => {
    expect(lessonFrontmatterSchema.parse({ title: 'T', summary: 'S.', minutes: 10 })).toEqual({
      title: 'T',
      summary: 'S.',
      minutes: 10,
    });
  });

  it('names the missing field and rejects unknown ones', () => {
    const result = lessonFrontmatterSchema.safeParse({ title: 'T', mintues: 3 });
    expect(messages(result)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^summary: .*expected string/),
        expect.stringMatching(/mintues/),
      ]),
    );
  });

  it('rejects fractional minutes', () => {
    expect(
      messages(lessonFrontmatterSchema.safeParse({ title: 'T', summary: 'S', minutes: 1.5 }))[0],
    ).toMatch(/^minutes: .*int/);
  });
});

describe('checkSchema', () => {
  it('fills in defaults for command checks', () => {
    const parsed = checkSchema.parse(commandCheck);
    expect(parsed).toMatchObject({ kind: 'command', user: 'learner', expect: { exitCode: 0 } });
  });

  it('defaults a container check to state exists', () => {
    expect(
      checkSchema.parse({ ...containerCheck, kind: 'container', exitCode: 3, state: 'exited' }),
    ).toMatchObject({ state: 'exited' });
    const { exitCode: _exitCode, ...withoutExitCode } = containerCheck;
    expect(checkSchema.parse(withoutExitCode)).toMatchObject({ state: 'exists' });
  });

  it('names the allowed kinds when the kind is wrong', () => {
    expect(messages(checkSchema.safeParse({ ...imageCheck, kind: 'vm' }))).toEqual([
      'kind: Invalid option: expected one of "command"|"container"|"image"|"volume"|"network"|"http"|"hub"|"compose"|"file"|"group"|"service"',
    ]);
  });

  it('rejects a running container with an exit code', () => {
    expect(messages(checkSchema.safeParse({ ...containerCheck, state: 'running' }))[0]).toMatch(
      /^exitCode: /,
    );
  });

  it('rejects a stdout pattern that is not a regular expression', () => {
    const result = checkSchema.safeParse({ ...commandCheck, expect: { stdout: '(' } });
    expect(messages(result)).toEqual(['expect.stdout: Not a valid regular expression.']);
  });

  it('requires kebab-case ids', () => {
    expect(messages(checkSchema.safeParse({ ...imageCheck, id: 'Image_Pulled' }))[0]).toMatch(
      /^id: Use kebab-case/,
    );
  });
});

describe('exerciseSchema', () => {
  it('accepts a full exercise', () => {
    expect(
      exerciseSchema.parse({ ...exercise, setup: 'true', checks: [imageCheck, containerCheck] }).checks,
    ).toHaveLength(2);
  });

  it('needs at least one check', () => {
    expect(messages(exerciseSchema.safeParse({ ...exercise, checks: [] }))).toEqual([
      'checks: An exercise needs at least one check.',
    ]);
  });

  it('rejects duplicate check ids, pointing at the second one', () => {
    expect(messages(exerciseSchema.safeParse({ ...exercise, checks: [imageCheck, imageCheck] }))).toEqual([
      'checks.1.id: Duplicate check id "image-pulled": check ids must be unique within an exercise.',
    ]);
  });
});

describe('exercisesFileSchema', () => {
  it('rejects duplicate exercise ids', () => {
    expect(messages(exercisesFileSchema.safeParse({ exercises: [exercise, exercise] }))).toEqual([
      'exercises.1.id: Duplicate exercise id "run-hello-world": exercise ids must be unique within a lesson.',
    ]);
  });

  it('requires a solve script', () => {
    expect(
      messages(exercisesFileSchema.safeParse({ exercises: [{ ...exercise, solve: undefined }] }))[0],
    ).toMatch(/^exercises\.0\.solve: /);
  });
});

describe('descriptions', () => {
  it('describes every field of every object schema', () => {
    const undescribed: string[] = [];
    const visit = (schema: z.ZodType, at: string): void => {
      const def = (
        schema as unknown as {
          def: {
            type: string;
            innerType?: z.ZodType;
            element?: z.ZodType;
            options?: z.ZodType[];
            shape?: Record<string, z.ZodType>;
          };
        }
      ).def;
      if (def.type === 'optional' || def.type === 'default') return visit(def.innerType as z.ZodType, at);
      if (def.type === 'array') return visit(def.element as z.ZodType, `${at}[]`);
      if (def.type === 'union') return def.options?.forEach((option, i) => visit(option, `${at}|${i}`));
      if (def.type === 'object') {
        for (const [key, field] of Object.entries(def.shape ?? {})) {
          if (!field.description) undescribed.push(`${at}.${key}`);
          visit(field, `${at}.${key}`);
        }
      }
    };
    visit(exercisesFileSchema, 'file');
    visit(lessonFrontmatterSchema, 'frontmatter');
    expect(undescribed).toEqual([]);
  });
});

describe('quizSchema', () => {
  it('accepts a well-formed quiz', () => {
    expect(quizSchema.parse(quiz)).toEqual(quiz);
  });

  it('rejects too few options, no answer, and answers that are not options', () => {
    const messages = (input: unknown): string[] =>
      (quizSchema.safeParse(input).error?.issues ?? []).map(
        (issue) => `${issue.path.join('.')}: ${issue.message}`,
      );
    expect(messages({ ...quiz, options: ['Only one'], answer: [0] })).toEqual([
      'options: A quiz needs at least 2 options.',
    ]);
    expect(messages({ ...quiz, answer: [] })).toEqual([
      'answer: Give the index of at least one correct option.',
    ]);
    expect(messages({ ...quiz, answer: [4, 0, 0] })).toEqual([
      'answer.0: Answer 4 is not an option: options are numbered 0 to 3.',
      'answer.2: Answer 0 is listed twice.',
    ]);
  });

  it('is read from the top of exercises.yaml with a lesson setup', () => {
    const file = exercisesFileSchema.parse({ setup: 'gpasswd -d learner docker', quizzes: [quiz] });
    expect(file).toEqual({ setup: 'gpasswd -d learner docker', exercises: [], quizzes: [quiz] });
    expect(exercisesFileSchema.safeParse({ quizzes: [quiz, quiz] }).error?.issues[0]?.message).toBe(
      'Duplicate quiz id "what-is-shared": quiz ids must be unique within a lesson.',
    );
  });
});
