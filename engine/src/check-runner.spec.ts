import { describe, expect, it } from 'vitest';
import { runExercise } from './check-runner.ts';
import { exerciseSchema } from './lesson-schema.ts';
import type { ExecResult } from './sandbox.ts';
import { exerciseWith, FakeSandbox, type Answer, type Rule } from './testing/fake-sandbox.ts';

interface FakeContainer {
  name: string;
  image: string;
  status: 'running' | 'exited' | 'created';
  exitCode?: number;
  imageId?: string;
}

const helloId = `sha256:${'d2c94e258dcb'.padEnd(64, '3')}`;
const nginxId = `sha256:${'a8758716bb6a'.padEnd(64, '1')}`;
const debianId = `sha256:${'b5f8c2a1e4d7'.padEnd(64, '2')}`;

function containerId(index: number): string {
  return `${index + 1}`
    .repeat(64)
    .slice(0, 64)
    .replace(/[^0-9]/g, '0');
}

/** `docker ps -aq --no-trunc`: the containers' full ids, newest first. */
function psOutput(containers: FakeContainer[]): string {
  return containers.map((_, i) => `${containerId(i)}\n`).join('');
}

/** `docker container inspect <ids>`, trimmed to the fields that matter but shaped as Docker prints them. */
function inspectOutput(containers: FakeContainer[]): string {
  return JSON.stringify(
    containers.map((c, i) => ({
      Id: containerId(i),
      Created: '2025-01-10T10:00:00.000000000Z',
      Path: '/hello',
      Args: [],
      State: {
        Status: c.status,
        Running: c.status === 'running',
        Paused: false,
        Restarting: false,
        OOMKilled: false,
        Dead: false,
        Pid: c.status === 'running' ? 4242 : 0,
        ExitCode: c.exitCode ?? 0,
        Error: '',
      },
      Image:
        c.imageId ??
        (c.image.startsWith('hello-world') ? helloId : c.image.startsWith('nginx') ? nginxId : debianId),
      Name: `/${c.name}`,
      Config: { Hostname: containerId(i).slice(0, 12), Image: c.image, Cmd: ['/hello'] },
    })),
    null,
    4,
  );
}

interface FakeImage {
  repository: string;
  tag: string;
  id: string;
}

function imagesOutput(images: FakeImage[]): string {
  return images
    .map((image) =>
      JSON.stringify({
        Containers: 'N/A',
        CreatedAt: '2025-01-08 09:00:00 +0000 UTC',
        CreatedSince: '2 days ago',
        Digest: image.repository === '<none>' ? '<none>' : `sha256:${'e'.repeat(64)}`,
        ID: image.id,
        Repository: image.repository,
        SharedSize: 'N/A',
        Size: '733kB',
        Tag: image.tag,
        UniqueSize: 'N/A',
        VirtualSize: '733.1kB',
      }),
    )
    .join('\n');
}

function dockerState(containers: FakeContainer[], images: FakeImage[] = []): Rule[] {
  return [
    [/^docker ps -a/, { stdout: psOutput(containers) }],
    [/^docker container inspect/, { stdout: inspectOutput(containers) }],
    [/^docker images/, { stdout: imagesOutput(images) }],
    [
      /^docker image inspect/,
      (script) => {
        const found = images.find((image) => script.includes(`'${image.repository}'`));
        return found
          ? { exitCode: 0, stdout: `${found.id}\n`, stderr: '' }
          : { exitCode: 1, stdout: '\n', stderr: 'Error response from daemon: No such image: x\n' };
      },
    ],
  ];
}

const daemonDownAnswer: Answer = {
  exitCode: 1,
  stderr:
    'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n',
};

const helloExercise = exerciseSchema.parse({
  id: 'run-hello-world',
  title: 'Run your first container',
  solve: 'docker run hello-world',
  checks: [
    {
      id: 'image-pulled',
      kind: 'image',
      ref: 'hello-world',
      title: 'The hello-world image is on your machine',
      message: 'The hello-world image is not on your machine yet.',
      hint: 'Run `docker run hello-world`.',
    },
    {
      id: 'container-exited-cleanly',
      kind: 'container',
      image: 'hello-world',
      state: 'exited',
      exitCode: 0,
      title: 'A container from hello-world ran and exited with code 0',
      message: 'No container from hello-world has finished successfully yet.',
      hint: 'Run `docker run hello-world` and let it finish.',
    },
  ],
});

describe('runExercise with image and container checks', () => {
  it('fails both checks on a fresh machine and says nothing was found', async () => {
    const report = await runExercise(helloExercise, new FakeSandbox(dockerState([])));
    expect(report).toEqual({
      passed: false,
      checks: [
        {
          id: 'image-pulled',
          passed: false,
          message:
            'The hello-world image is not on your machine yet. Found no images at all (`docker images` is empty).',
          hint: 'Run `docker run hello-world`.',
        },
        {
          id: 'container-exited-cleanly',
          passed: false,
          message:
            'No container from hello-world has finished successfully yet. Found no containers at all (`docker ps -a` is empty).',
          hint: 'Run `docker run hello-world` and let it finish.',
        },
      ],
    });
  });

  it('passes after hello-world ran, with the titles as messages and no hints', async () => {
    const sandbox = new FakeSandbox(
      dockerState(
        [{ name: 'eager_tesla', image: 'hello-world', status: 'exited', exitCode: 0 }],
        [{ repository: 'hello-world', tag: 'latest', id: helloId }],
      ),
    );
    const report = await runExercise(helloExercise, sandbox);
    expect(report).toEqual({
      passed: true,
      checks: [
        { id: 'image-pulled', passed: true, message: 'The hello-world image is on your machine' },
        {
          id: 'container-exited-cleanly',
          passed: true,
          message: 'A container from hello-world ran and exited with code 0',
        },
      ],
    });
    expect(sandbox.calls.every((call) => call.options?.user === 'root')).toBe(true);
  });

  it('lists the containers it found when none is from the image', async () => {
    const sandbox = new FakeSandbox(
      dockerState(
        [
          { name: 'web', image: 'nginx', status: 'running' },
          { name: 'x', image: 'debian', status: 'exited', exitCode: 1 },
        ],
        [{ repository: 'nginx', tag: 'latest', id: nginxId }],
      ),
    );
    const report = await runExercise(helloExercise, sandbox);
    expect(report.checks[0]?.message).toBe(
      'The hello-world image is not on your machine yet. Found 1 image, none is hello-world:latest: nginx:latest.',
    );
    expect(report.checks[1]?.message).toBe(
      'No container from hello-world has finished successfully yet. ' +
        'Found 2 containers, none from hello-world: web (nginx, running), x (debian, exited 1).',
    );
  });

  it('says which matching containers are in the wrong state', async () => {
    const sandbox = new FakeSandbox(
      dockerState([
        { name: 'eager_tesla', image: 'hello-world:latest', status: 'exited', exitCode: 1 },
        { name: 'fresh', image: 'docker.io/library/hello-world', status: 'created' },
        { name: 'web', image: 'nginx', status: 'running' },
      ]),
    );
    const report = await runExercise(helloExercise, sandbox);
    expect(report.checks[1]).toMatchObject({
      passed: false,
      message:
        'No container from hello-world has finished successfully yet. Found 2 containers from hello-world, ' +
        'but none exited with code 0: eager_tesla (hello-world:latest, exited 1), ' +
        'fresh (docker.io/library/hello-world, created, never started).',
    });
  });

  it('matches a container started under another tag of the same image by image id', async () => {
    const sandbox = new FakeSandbox(
      dockerState(
        [{ name: 'renamed', image: 'greeter:1', status: 'exited', exitCode: 0, imageId: helloId }],
        [{ repository: 'hello-world', tag: 'latest', id: helloId }],
      ),
    );
    expect((await runExercise(helloExercise, sandbox)).passed).toBe(true);
  });

  it('finds containers by name and state', async () => {
    const state = dockerState([
      { name: 'web', image: 'nginx', status: 'exited', exitCode: 0 },
      { name: 'cache', image: 'nginx', status: 'running' },
    ]);
    const running = exerciseWith({ kind: 'container', name: 'web', state: 'running' });
    expect((await runExercise(running, new FakeSandbox(state))).checks[0]?.message).toBe(
      'It is missing. Found 1 container named web, but none is running: web (nginx, exited 0).',
    );
    const missing = exerciseWith({ kind: 'container', name: 'db', image: 'mariadb' });
    expect((await runExercise(missing, new FakeSandbox(state))).checks[0]?.message).toBe(
      'It is missing. Found 2 containers, none named db from mariadb: web (nginx, exited 0), cache (nginx, running).',
    );
    const exists = exerciseWith({ kind: 'container', name: 'cache' });
    expect((await runExercise(exists, new FakeSandbox(state))).passed).toBe(true);
  });

  it('accepts any spelling of the image reference', async () => {
    const state = dockerState([], [{ repository: 'hello-world', tag: 'latest', id: helloId }]);
    for (const ref of [
      'hello-world',
      'hello-world:latest',
      'library/hello-world',
      'docker.io/library/hello-world',
    ]) {
      expect((await runExercise(exerciseWith({ kind: 'image', ref }), new FakeSandbox(state))).passed).toBe(
        true,
      );
    }
    const otherTag = exerciseWith({ kind: 'image', ref: 'hello-world:2' });
    expect((await runExercise(otherTag, new FakeSandbox(state))).passed).toBe(false);
  });
});

describe('runExercise with command checks', () => {
  it('runs as the learner by default and reports a wrong exit code with what it said', async () => {
    const sandbox = new FakeSandbox([
      [/^cat/, { exitCode: 1, stderr: 'cat: /app/notes.txt: No such file or directory\n' }],
    ]);
    const report = await runExercise(exerciseWith({ kind: 'command', run: 'cat /app/notes.txt' }), sandbox);
    expect(sandbox.calls[0]?.options?.user).toBe('learner');
    expect(report.checks[0]).toEqual({
      id: 'c',
      passed: false,
      message:
        'It is missing. The command exited with 1; expected 0. It said: `cat: /app/notes.txt: No such file or directory`.',
      hint: 'Do the thing.',
    });
  });

  it('reports stdout that does not match, truncated', async () => {
    const long = `${'x'.repeat(300)}\n`;
    const sandbox = new FakeSandbox([[/^echo/, { stdout: long }]]);
    const check = { kind: 'command', run: 'echo', user: 'root', expect: { stdout: 'hello' } };
    const report = await runExercise(exerciseWith(check), sandbox);
    expect(sandbox.calls[0]?.options?.user).toBe('root');
    expect(report.checks[0]?.message).toBe(
      `It is missing. stdout did not match /hello/: it was: \`${'x'.repeat(200)}…\` (truncated).`,
    );
  });

  it('passes when exit code and stdout match', async () => {
    const sandbox = new FakeSandbox([[/^test/, { exitCode: 3, stdout: 'Hello from Dockyard!\n' }]]);
    const check = { kind: 'command', run: 'test', expect: { exitCode: 3, stdout: '^Hello from' } };
    expect(await runExercise(exerciseWith(check), sandbox)).toEqual({
      passed: true,
      checks: [{ id: 'c', passed: true, message: 'It passed' }],
    });
  });
});

describe('runExercise when things go wrong', () => {
  it('says the Docker daemon is down and how to start it', async () => {
    const report = await runExercise(helloExercise, new FakeSandbox([[/^docker/, daemonDownAnswer]]));
    expect(report.passed).toBe(false);
    for (const check of report.checks) {
      expect(check.passed).toBe(false);
      expect(check.message).toMatch(/The Docker daemon in your machine is not running/);
      expect(check.hint).toMatch(/sudo systemctl start docker/);
    }
  });

  it('turns a throwing exec into a failed check and runs the next check', async () => {
    const sandbox = new FakeSandbox([
      [
        /^docker images/,
        () => {
          throw new Error('sandbox is gone');
        },
      ],
      ...dockerState([{ name: 'eager_tesla', image: 'hello-world', status: 'exited', exitCode: 0 }]),
    ]);
    const report = await runExercise(helloExercise, sandbox);
    expect(report.checks[0]).toEqual({
      id: 'image-pulled',
      passed: false,
      message: 'The hello-world image is not on your machine yet. The check could not run: sandbox is gone.',
      hint: 'Run `docker run hello-world`.',
    });
    expect(report.checks[1]?.passed).toBe(true);
    expect(report.passed).toBe(false);
  });

  it('fails a check that takes too long', async () => {
    const sandbox = new FakeSandbox([[/^sleep/, () => new Promise<ExecResult>(() => undefined)]]);
    const report = await runExercise(exerciseWith({ kind: 'command', run: 'sleep 100' }), sandbox, {
      checkTimeoutMs: 50,
    });
    expect(report.checks[0]?.message).toBe('It is missing. The check did not finish within 0.1 s.');
  });

  it('reports a docker CLI error that is not about the daemon', async () => {
    const sandbox = new FakeSandbox([
      [/^docker images/, { exitCode: 125, stderr: 'unknown flag: --digests\n' }],
    ]);
    const report = await runExercise(exerciseWith({ kind: 'image', ref: 'debian' }), sandbox);
    expect(report.checks[0]?.message).toBe(
      'It is missing. The check could not run: `docker images` failed: unknown flag: --digests.',
    );
  });
});

describe('an exercise of several checks', () => {
  const exercise = exerciseSchema.parse({
    id: 'x',
    title: 'X',
    solve: 'true',
    checks: [
      { id: 'built', kind: 'image', ref: 'ada/app', title: 'Built', message: 'Not built.', hint: 'Build.' },
      {
        id: 'settings',
        kind: 'image',
        ref: 'ada/app',
        workdir: '/app',
        title: 'Set',
        message: 'Not set.',
        hint: 'Set.',
      },
      { id: 'first', kind: 'command', run: 'step one', title: 'One', message: 'No one.', hint: 'One.' },
      { id: 'second', kind: 'command', run: 'step two', title: 'Two', message: 'No two.', hint: 'Two.' },
    ],
  });
  const imageId = `sha256:${'c'.repeat(64)}`;
  const listing = `${JSON.stringify({ ID: imageId, Repository: 'ada/app', Tag: 'latest', Digest: '<none>' })}\n`;
  const details = JSON.stringify([
    { Id: imageId, Config: { WorkingDir: '/app', Env: [] }, RootFS: { Layers: [] } },
  ]);

  it('reads the Docker state once for all its checks, and reads while the scripts run, in their order', async () => {
    const events: string[] = [];
    let inFlight = 0;
    let most = 0;
    const slow = (name: string, answer: Partial<ExecResult>) => async (): Promise<Partial<ExecResult>> => {
      inFlight++;
      most = Math.max(most, inFlight);
      events.push(`${name} start`);
      await new Promise((r) => setTimeout(r, 20));
      events.push(`${name} end`);
      inFlight--;
      return answer;
    };
    const sandbox = new FakeSandbox([
      [/^docker images/, slow('images', { stdout: listing })],
      [/^docker image inspect/, slow('inspect', { stdout: details })],
      [/step one/, slow('one', {})],
      [/step two/, slow('two', {})],
    ]);
    const report = await runExercise(exercise, sandbox);
    expect(report.checks.map((c) => [c.id, c.passed])).toEqual([
      ['built', true],
      ['settings', true],
      ['first', true],
      ['second', true],
    ]);
    // Two image checks, one listing of the images.
    expect(sandbox.calls.filter((c) => c.script.startsWith('docker images'))).toHaveLength(1);
    // The reads did not wait for the scripts; the scripts ran one after the other.
    expect(most).toBeGreaterThan(1);
    expect(events.indexOf('one end')).toBeLessThan(events.indexOf('two start'));
  });
});

describe('checks on a lesson with several machines', () => {
  /** node1 and node2, each a fake of its own: node2 holds ~/inventory.json, node1 does not. */
  function twoMachines() {
    const node1 = new FakeSandbox([
      [/cat|test|stat|ls/, { exitCode: 1, stderr: 'No such file or directory' }],
    ]);
    const node2 = new FakeSandbox([[/./, { stdout: '{"kept_on": "node1"}' }]]);
    const sandbox = Object.assign(node1, { machine: (name: string) => (name === 'node2' ? node2 : node1) });
    return { node1, node2, sandbox };
  }

  it("runs a check on the exercise's machine, and a check that names another on that one", async () => {
    const exercise = exerciseSchema.parse({
      id: 'x',
      title: 'X',
      solve: 'true',
      machine: 'node2',
      checks: [
        { id: 'on-node2', kind: 'command', run: 'hostname', title: 'T', message: 'M', hint: 'H' },
        {
          id: 'on-node1',
          kind: 'command',
          machine: 'node1',
          run: 'cat ~/x',
          title: 'T',
          message: 'M',
          hint: 'H',
        },
      ],
    });
    const { node1, node2, sandbox } = twoMachines();
    const report = await runExercise(exercise, sandbox);
    expect(node2.calls.map((c) => c.script)).toEqual([expect.stringContaining('hostname')]);
    expect(node1.calls.map((c) => c.script)).toEqual([expect.stringContaining('cat ~/x')]);
    expect(report.checks.map((c) => c.passed)).toEqual([true, false]);
  });

  it('fails a check that names a machine the sandbox does not have, saying so', async () => {
    const single = new FakeSandbox([]);
    const report = await runExercise(
      exerciseWith({ kind: 'command', run: 'true', machine: 'node2' }),
      single,
    );
    expect(report.checks[0]).toMatchObject({
      passed: false,
      message: 'It is missing. The check could not run: This lesson has one machine: there is no node2.',
    });
  });
});
