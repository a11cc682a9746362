import { describe, expect, it } from 'vitest';
import { exercisesFileSchema } from './lesson-schema.ts';
import { proveLesson } from './lesson-proof.ts';
import { FakeSandbox } from './testing/fake-sandbox.ts';

/** A machine of files: `touch X` makes one, `test -f X` looks; `sleep infinity` never ends. */
function machine() {
  const files = new Set<string>();
  const sandbox = new FakeSandbox([
    [/^sleep infinity$/, () => new Promise(() => undefined)],
    [/^exit (\d+)$/, (script) => ({ exitCode: Number(/\d+/.exec(script)![0]), stderr: 'it broke' })],
    [
      /^touch /,
      (script) => {
        for (const file of script.slice('touch '.length).split(' ')) files.add(file);
        return {};
      },
    ],
    [/^test -f (\S+)$/, (script) => ({ exitCode: files.has(script.split(' ')[2]!) ? 0 : 1 })],
  ]);
  return { files, sandbox };
}

const check = (id: string, file: string) => ({
  id,
  kind: 'command',
  run: `test -f ${file}`,
  title: `${file} is there`,
  message: `${file} is missing.`,
  hint: 'Make it.',
});

/** A lesson: a setup, and per exercise a solve and checks. */
const lesson = (fields: Record<string, unknown> = {}, exercises?: Record<string, unknown>[]) =>
  exercisesFileSchema.parse({
    setup: 'touch /setup',
    exercises: exercises ?? [
      { id: 'one', title: 'One', setup: 'touch /one-ready', solve: 'touch /a', checks: [check('a', '/a')] },
      {
        id: 'two',
        title: 'Two',
        solve: 'touch /b /c',
        checks: [check('b', '/b'), check('c', '/c')],
      },
    ],
    ...fields,
  });

describe('proving a lesson', () => {
  it('runs setup as root, every check (failing), then each solve as the learner and its checks (passing)', async () => {
    const { sandbox } = machine();
    const seen: string[][] = [];
    const proof = await proveLesson(lesson(), sandbox, {
      onProgress: (p) => seen.push(p.steps.map((s) => `${s.name}:${s.state}`)),
    });
    expect(proof.passed).toBe(true);
    expect(proof.message).toBeUndefined();
    expect(proof.steps.map((s) => [s.name, s.state])).toEqual([
      ['lesson setup', 'passed'],
      ['setup one', 'passed'],
      ['checks before', 'passed'],
      ['solve one', 'passed'],
      ['checks after one', 'passed'],
      ['solve two', 'passed'],
      ['checks after two', 'passed'],
    ]);
    expect(sandbox.calls.map((c) => [c.script, c.options?.user])).toEqual([
      ['touch /setup', 'root'],
      ['touch /one-ready', 'root'],
      ['test -f /a', 'learner'],
      ['test -f /b', 'learner'],
      ['test -f /c', 'learner'],
      ['touch /a', 'learner'],
      ['test -f /a', 'learner'],
      ['touch /b /c', 'learner'],
      ['test -f /b', 'learner'],
      ['test -f /c', 'learner'],
    ]);
    expect(proof.checks).toEqual([
      { exercise: 'one', id: 'a', failedBefore: true, passedAfter: true, message: '/a is there' },
      { exercise: 'two', id: 'b', failedBefore: true, passedAfter: true, message: '/b is there' },
      { exercise: 'two', id: 'c', failedBefore: true, passedAfter: true, message: '/c is there' },
    ]);
    // The caller hears of each step as it starts and as it ends.
    expect(seen[0]).toEqual(['lesson setup:running']);
    expect(seen).toContainEqual(['lesson setup:passed', 'setup one:passed', 'checks before:running']);
  });

  it('fails a check that passes on a fresh machine, naming it, and still runs the rest', async () => {
    const proof = await proveLesson(lesson({ setup: 'touch /setup /b' }), machine().sandbox);
    expect(proof.passed).toBe(false);
    expect(proof.steps.find((s) => s.name === 'checks before')).toMatchObject({
      state: 'failed',
      message:
        '1 of 3 checks already passes on a fresh machine, before the solve (a learner would pass without doing anything): two/b.',
    });
    expect(proof.message).toMatch(/^1 of 3 checks already passes/);
    expect(proof.checks.find((c) => c.id === 'b')).toEqual({
      exercise: 'two',
      id: 'b',
      failedBefore: false,
      passedAfter: true,
      message: expect.stringMatching(/^It passes on a fresh machine, before the solve/),
    });
    expect(proof.steps.at(-1)).toMatchObject({ name: 'checks after two', state: 'passed' });
  });

  it('fails when a solve does not make a check pass, with what the check found', async () => {
    const proof = await proveLesson(
      lesson({}, [
        { id: 'two', title: 'Two', solve: 'touch /b', checks: [check('b', '/b'), check('c', '/c')] },
      ]),
      machine().sandbox,
    );
    expect(proof.passed).toBe(false);
    expect(proof.checks).toEqual([
      { exercise: 'two', id: 'b', failedBefore: true, passedAfter: true, message: '/b is there' },
      {
        exercise: 'two',
        id: 'c',
        failedBefore: true,
        passedAfter: false,
        message: '/c is missing. The command exited with 1; expected 0.',
      },
    ]);
    expect(proof.message).toBe(
      '1 check of exercise "two" still fails after its solve: c: /c is missing. The command exited with 1; expected 0.',
    );
  });

  it('reports a solve that exits non-zero, with its output, and runs its checks', async () => {
    const proof = await proveLesson(
      lesson({}, [{ id: 'one', title: 'One', solve: 'exit 3', checks: [check('a', '/a')] }]),
      machine().sandbox,
    );
    expect(proof.steps.map((s) => [s.name, s.state])).toEqual([
      ['lesson setup', 'passed'],
      ['checks before', 'passed'],
      ['solve one', 'failed'],
      ['checks after one', 'failed'],
    ]);
    expect(proof.message).toBe('The solve script of exercise "one" exited with 3: it broke');
  });

  it('stops a solve that never ends at its timeout, naming the step, and runs nothing after it', async () => {
    const { sandbox } = machine();
    const started = Date.now();
    const proof = await proveLesson(
      lesson({}, [
        { id: 'one', title: 'One', solve: 'sleep infinity', checks: [check('a', '/a')] },
        { id: 'two', title: 'Two', solve: 'touch /b', checks: [check('b', '/b')] },
      ]),
      sandbox,
      { solveTimeoutMs: 100 },
    );
    // Stopped at its 0.1 s timeout, not left to its `sleep infinity` (a loaded run of the whole
    // suite once took 4 s here: the bound proves the stop, not a speed).
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(proof.passed).toBe(false);
    expect(proof.steps.map((s) => [s.name, s.state])).toEqual([
      ['lesson setup', 'passed'],
      ['checks before', 'passed'],
      ['solve one', 'failed'],
    ]);
    expect(proof.message).toMatch(
      /^The solve script of exercise "one" did not finish within 0.1 s, so the proof stopped it there\. A script must end/,
    );
    expect(proof.checks).toEqual([
      {
        exercise: 'one',
        id: 'a',
        failedBefore: true,
        passedAfter: null,
        message: 'Not run after the solve: the proof stopped at "solve one".',
      },
      {
        exercise: 'two',
        id: 'b',
        failedBefore: true,
        passedAfter: null,
        message: 'Not run after the solve: the proof stopped at "solve one".',
      },
    ]);
    // The runtime was given a later timeout of its own, so the proof's sentence is the one told.
    expect(sandbox.calls.find((c) => c.script === 'sleep infinity')?.options?.timeoutMs).toBe(10_100);
  }, 20_000);

  it('stops at a setup that fails: its checks would prove nothing', async () => {
    const proof = await proveLesson(lesson({ setup: 'exit 2' }), machine().sandbox);
    expect(proof.steps).toEqual([
      {
        name: 'lesson setup',
        state: 'failed',
        ms: expect.any(Number),
        message: 'The lesson setup exited with 2: it broke',
      },
    ]);
    expect(proof.checks.every((c) => c.failedBefore === null && c.passedAfter === null)).toBe(true);
    expect(proof.checks[0]?.message).toBe('Not run: the proof stopped at "lesson setup".');
  });

  it('says so when a script cannot run at all', async () => {
    const sandbox = new FakeSandbox([
      [
        /.*/,
        () => {
          throw new Error('Your machine could not run the command (reference p1).');
        },
      ],
    ]);
    const proof = await proveLesson(lesson(), sandbox);
    expect(proof.message).toBe(
      'The lesson setup could not run: Your machine could not run the command (reference p1).',
    );
  });

  it('substitutes placeholders in scripts and checks', async () => {
    const { sandbox, files } = machine();
    const proof = await proveLesson(
      lesson({ setup: undefined }, [
        {
          id: 'one',
          title: 'One',
          solve: 'touch /{{hub.username}}',
          checks: [check('a', '/{{hub.username}}')],
        },
      ]),
      sandbox,
      { vars: { 'hub.username': 'prover' } },
    );
    expect(proof.passed).toBe(true);
    expect([...files]).toEqual(['/prover']);
  });
});
