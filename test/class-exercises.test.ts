import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classWithLearner, newInstructor } from './helpers/instructors.ts';
import { Platform } from './helpers/platform.ts';
import { inSandbox, sandboxesOf } from './helpers/sandbox-host.ts';

const ADMIN = 'admin-test-token-0123456789';
// Scripts of a proof get this long here, so a script that never ends costs the test seconds.
const SCRIPT_SECONDS = 15;

const page = (title: string, ids: string[]) =>
  `# ${title}\n\nA lesson an instructor wrote for their class.\n\n${ids.map((id) => `::exercise{id=${id}}`).join('\n\n')}\n`;

/** An exercise whose file check fails on a fresh machine and passes after its solve. */
const fileExercise = (id: string, file: string, solve = `echo ready > ~/${file}`) => `  - id: ${id}
    title: Write ~/${file}
    solve: ${JSON.stringify(solve)}
    checks:
      - id: written
        kind: file
        path: ~/${file}
        content: ready
        title: ~/${file} says ready
        message: ~/${file} is missing, or does not say ready.
        hint: Write ready into ~/${file}.
`;

interface Proof {
  state: string;
  passed?: boolean;
  message?: string;
  steps: { name: string; state: string; message?: string }[];
  checks: {
    exercise: string;
    id: string;
    failedBefore: boolean | null;
    passedAfter: boolean | null;
    message: string;
  }[];
}

// Class exercises on a real server and real machines (docs/api.md, "Class exercises"): a proof boots
// a fresh machine, finds the checks that prove nothing and the solves that do not solve, stops a
// script that never ends at its timeout and removes the machine; only a proven version is published,
// and only the class's own learners get it.
describe('class exercises: prove, publish, learn', () => {
  const platform = new Platform({
    DOCKYARD_INSTRUCTOR_TOKEN: ADMIN,
    DOCKYARD_PROOF_SCRIPT_SECONDS: String(SCRIPT_SECONDS),
  });
  let teacher: { cookie: string };
  let classId = '';
  let ada = { cookie: '' };
  let bob = { cookie: '' };

  beforeAll(async () => {
    await platform.start();
    teacher = await newInstructor(platform, ADMIN, 'author-teacher');
    const other = await newInstructor(platform, ADMIN, 'author-other');
    ({ classId, learner: ada } = await classWithLearner(platform, teacher, 'Authoring class', 'Ada'));
    ({ learner: bob } = await classWithLearner(platform, other, 'Another class', 'Bob'));
  });
  afterAll(async () => {
    await platform.stop();
  });

  const save = (slug: string, title: string, exercises: string) =>
    platform.api(
      'POST',
      `/api/classes/${classId}/exercises`,
      {
        slug,
        page: page(
          title,
          [...exercises.matchAll(/- id: ([a-z0-9-]+)\n\s+title/g)].map((m) => m[1]!),
        ),
        exercises,
      },
      undefined,
      teacher,
    );

  const publish = (slug: string) =>
    platform.api('POST', `/api/classes/${classId}/exercises/${slug}/publish`, undefined, undefined, teacher);
  /** The class lesson as a learner (their cookie) asks for it. */
  const lessonAs = (slug: string, learner: { cookie: string }) =>
    platform.api('GET', `/api/learner/class-lessons/${slug}`, undefined, undefined, learner);

  /** Starts a proof and polls it until it is over. */
  const prove = async (slug: string): Promise<Proof> => {
    const started = await platform.api(
      'POST',
      `/api/classes/${classId}/exercises/${slug}/prove`,
      undefined,
      undefined,
      teacher,
    );
    expect(started.status).toBe(202);
    for (let i = 0; i < 600; i++) {
      const got = await platform.api(
        'GET',
        `/api/classes/${classId}/exercises/${slug}/proofs/${started.body.proofId}`,
        undefined,
        undefined,
        teacher,
      );
      expect(got.status).toBe(200);
      // The verdict comes first; the machine's removal is the last step, and is waited for here.
      const proof = got.body as Proof;
      if (proof.state !== 'running' && proof.steps.at(-1)?.state !== 'running') return proof;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error('the proof did not end');
  };

  /** Machines of this server that belong to no learner's session: proof machines left behind. */
  const strayMachines = async (sessions: string[]) =>
    (await sandboxesOf(platform.instance)).filter((name) => !sessions.some((id) => name.endsWith(id)));

  it('refuses to publish a version without a passing proof', async () => {
    expect(
      (await save('unproven', 'Unproven', `exercises:\n${fileExercise('make-it', 'a.txt')}`)).status,
    ).toBe(201);
    const published = await publish('unproven');
    expect(published.status).toBe(409);
    expect(published.body.error.code).toBe('not_proven');
  });

  it('fails a proof on a check that passes on a fresh machine and on a solve that solves nothing, naming each', async () => {
    const exercises = `exercises:
${fileExercise('good', 'good.txt')}  - id: always-passes
    title: A check that proves nothing
    solve: "true"
    checks:
      - id: tmp-exists
        kind: command
        run: test -d /tmp
        title: /tmp exists
        message: /tmp is missing.
        hint: There is nothing to do.
${fileExercise('wrong-solve', 'wanted.txt', 'echo ready > ~/elsewhere.txt')}`;
    expect((await save('flawed', 'Flawed', exercises)).status).toBe(201);

    const proof = await prove('flawed');
    expect(proof.state).toBe('failed');
    expect(proof.passed).toBe(false);
    const check = (exercise: string) => proof.checks.find((c) => c.exercise === exercise)!;
    expect(check('good')).toMatchObject({ failedBefore: true, passedAfter: true });
    expect(check('always-passes')).toMatchObject({ failedBefore: false });
    expect(check('wrong-solve')).toMatchObject({ failedBefore: true, passedAfter: false });
    expect(check('wrong-solve').message).toContain('wanted.txt');
    const before = proof.steps.find((s) => s.name === 'checks before')!;
    expect(before.state).toBe('failed');
    expect(before.message).toContain('always-passes/tmp-exists');
    expect(await strayMachines([])).toEqual([]);
  });

  it.each([
    ['a script that never ends', 'sleep infinity'],
    ['a fork bomb', 'bomb() { bomb | bomb & }; bomb; sleep infinity'],
  ])('stops %s at its timeout, says so, and removes the machine', async (_, solve) => {
    const slug = solve.startsWith('sleep') ? 'never-ends' : 'fork-bomb';
    expect(
      (await save(slug, 'Runaway', `exercises:\n${fileExercise('runaway', 'x.txt', solve)}`)).status,
    ).toBe(201);
    const proof = await prove(slug);
    expect(proof.state).toBe('failed');
    const stopped = proof.steps.find((s) => s.name === 'solve runaway')!;
    expect(stopped.state).toBe('failed');
    expect(stopped.message).toContain(`did not finish within ${SCRIPT_SECONDS} s`);
    expect(proof.steps.map((s) => s.name)).not.toContain('checks after runaway');
    expect(await strayMachines([])).toEqual([]);
    expect((await platform.api('GET', '/api/health')).status).toBe(200);
  });

  it('publishes a proven lesson to its class only; a learner solves it; a new version leaves their pass', async () => {
    const exercises = `exercises:\n${fileExercise('write-note', 'note.txt')}`;
    expect((await save('class-note', 'Write a note', exercises)).body).toMatchObject({
      slug: 'class-note',
      version: 1,
    });
    const proof = await prove('class-note');
    expect(proof).toMatchObject({ state: 'passed', passed: true });
    expect((await publish('class-note')).status).toBe(204);

    // Ada's class has it; Bob's class and a stranger do not.
    const mine = await lessonAs('class-note', ada);
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({ title: 'Write a note', version: 1, exercises: [{ id: 'write-note' }] });
    expect(JSON.stringify(mine.body)).not.toContain('solve');
    expect((await lessonAs('class-note', bob)).status).toBe(404);
    expect((await platform.api('GET', '/api/learner/class-lessons/class-note')).status).toBe(404);
    expect(
      (await platform.api('POST', '/api/sessions', { lesson: 'class-note' }, undefined, bob)).status,
    ).toBe(400);

    // Ada solves it in her own machine.
    const session = await platform.session('class-note', ada.cookie);
    const checkPath = `/api/sessions/${session.id}/exercises/class-note/write-note/check`;
    const before = await platform.api('POST', checkPath, undefined, session.token, ada);
    expect(before.body.passed).toBe(false);
    expect(before.body.checks[0].message).toContain('note.txt');
    expect((await inSandbox(session.id, 'echo ready > ~/note.txt')).code).toBe(0);
    expect((await platform.api('POST', checkPath, undefined, session.token, ada)).body.passed).toBe(true);

    // An edit is version 2, unproven: not publishable, and Ada keeps version 1 and her pass.
    const edited = await save('class-note', 'Write a better note', exercises);
    expect(edited.body).toMatchObject({ version: 2 });
    expect((await publish('class-note')).status).toBe(409);
    expect((await lessonAs('class-note', ada)).body).toMatchObject({
      title: 'Write a note',
      version: 1,
    });
    const progress = await platform.api('GET', '/api/progress', undefined, undefined, ada);
    expect(progress.body.lessons['class-note'].passed).toContain('write-note');
    expect(await strayMachines([session.id])).toEqual([]);
  });
});
