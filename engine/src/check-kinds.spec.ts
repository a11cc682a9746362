import { describe, expect, it } from 'vitest';
import { runExercise } from './check-runner.ts';
import { parseSize } from './lesson-schema.ts';
import { exerciseWith, FakeSandbox, type Rule } from './testing/fake-sandbox.ts';
import { exerciseWithVars, substituteVars } from './substitution.ts';

// Specs for the check kinds beyond command/container/image basics. The fake answers scripts by
// pattern with output shaped like Docker 26 prints it.

async function verdict(fields: Record<string, unknown>, rules: Rule[], vars?: Record<string, string>) {
  const sandbox = new FakeSandbox(rules);
  const report = await runExercise(exerciseWith(fields), sandbox, vars ? { vars } : {});
  const first = report.checks[0];
  if (!first) throw new Error('no report');
  return { ...first, calls: sandbox.calls };
}

const webId = 'a'.repeat(64);

/** `docker container inspect` of one container, trimmed to the fields the checks read. */
function inspectContainer(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify([
    {
      Id: webId,
      Name: '/web',
      Image: `sha256:${'b'.repeat(64)}`,
      State: { Status: 'running', Running: true, ExitCode: 0 },
      Config: {
        Image: 'python-app',
        Env: ['PATH=/usr/local/bin:/usr/bin', 'GREETING=hello'],
        Labels: {},
      },
      HostConfig: { Memory: 0, PortBindings: { '5000/tcp': [{ HostIp: '', HostPort: '8080' }] } },
      Mounts: [
        {
          Type: 'volume',
          Name: 'notes',
          Source: '/var/lib/docker/volumes/notes/_data',
          Destination: '/data',
        },
      ],
      NetworkSettings: { Networks: { bridge: {} } },
      ...overrides,
    },
  ]);
}

function containerRules(inspect: string): Rule[] {
  return [
    [/^docker ps -a/, { stdout: `${webId}\n` }],
    [/^docker container inspect/, { stdout: inspect }],
  ];
}

describe('container details', () => {
  it('names the port it found and the one it expected', async () => {
    const report = await verdict(
      { kind: 'container', name: 'web', ports: [{ container: 5000, host: 5000 }] },
      containerRules(inspectContainer()),
    );
    expect(report.message).toBe(
      'It is missing. Found 1 container named web, but it does not match: web publishes 8080→5000 (expected 5000→5000).',
    );
    expect(report.hint).toBe('Do the thing.');
  });

  it('passes when port, env, mount and network match', async () => {
    const report = await verdict(
      {
        kind: 'container',
        image: 'python-app',
        state: 'running',
        ports: [{ container: 5000 }],
        env: ['GREETING=hello', 'PATH'],
        mounts: [{ source: 'notes', target: '/data' }],
        networks: ['bridge'],
      },
      containerRules(inspectContainer()),
    );
    expect(report.passed).toBe(true);
  });

  it('reports every difference: env value, missing mount, memory, network', async () => {
    const report = await verdict(
      {
        kind: 'container',
        name: 'web',
        env: ['GREETING=bonjour', 'MODE=dev'],
        mounts: [{ source: '/home/learner/data', target: '/srv' }],
        memory: { max: '256m' },
        networks: ['app-net'],
      },
      containerRules(inspectContainer()),
    );
    expect(report.message).toBe(
      'It is missing. Found 1 container named web, but it does not match: web has GREETING=hello (expected GREETING=bonjour), ' +
        'has no MODE variable (expected MODE=dev), mounts notes at /data (expected /home/learner/data at /srv), ' +
        'has no memory limit (expected at most 256 MiB), is attached to bridge (expected app-net).',
    );
  });

  it('compares the memory limit in bytes', async () => {
    const limited = inspectContainer({ HostConfig: { Memory: 268435456, PortBindings: {} } });
    expect(
      (await verdict({ kind: 'container', memory: { max: '512m' } }, containerRules(limited))).passed,
    ).toBe(true);
    expect(
      (await verdict({ kind: 'container', memory: { equals: 268435456 } }, containerRules(limited))).passed,
    ).toBe(true);
    const tooBig = await verdict({ kind: 'container', memory: { max: '128m' } }, containerRules(limited));
    expect(tooBig.message).toMatch(/web has a memory limit of 256 MiB \(expected at most 128 MiB\)\.$/);
  });
});

function imageRules(details: Record<string, unknown>): Rule[] {
  return [
    [
      /^docker images/,
      {
        stdout: `${JSON.stringify({ ID: 'sha256:abc', Repository: 'hello-go', Tag: 'latest', Digest: '<none>' })}\n`,
      },
    ],
    [
      /^docker image inspect/,
      {
        stdout: JSON.stringify([
          {
            Id: 'sha256:abc',
            Size: 2_100_000,
            RootFS: { Type: 'layers', Layers: ['sha256:1'] },
            Config: { Env: ['PATH=/bin'], Labels: null, WorkingDir: '' },
            ...details,
          },
        ]),
      },
    ],
  ];
}

describe('image details', () => {
  it('passes a small single-layer image', async () => {
    const report = await verdict(
      { kind: 'image', ref: 'hello-go', maxSize: '20MB', maxLayers: 1 },
      imageRules({}),
    );
    expect(report.passed).toBe(true);
  });

  it('says how big the image is and how many layers it has', async () => {
    const report = await verdict(
      { kind: 'image', ref: 'hello-go', maxSize: '1m', maxLayers: 1 },
      imageRules({ Size: 880_000_000, RootFS: { Layers: ['1', '2', '3'] } }),
    );
    expect(report.message).toBe(
      'It is missing. Found hello-go:latest, but it is 839 MiB (expected at most 1 MiB), has 3 layers (expected at most 1).',
    );
  });

  it('checks labels, env and working directory', async () => {
    const report = await verdict(
      { kind: 'image', ref: 'hello-go', labels: { stage: 'final' }, env: ['APP_MODE=prod'], workdir: '/app' },
      imageRules({}),
    );
    expect(report.message).toBe(
      'It is missing. Found hello-go:latest, but it has no label stage (expected stage=final), ' +
        'has no APP_MODE variable (expected APP_MODE=prod), has working directory / (none set) (expected /app).',
    );
  });
});

describe('volume', () => {
  const bindVolume = JSON.stringify([
    {
      Driver: 'local',
      Mountpoint: '/var/lib/docker/volumes/data-vol/_data',
      Name: 'data-vol',
      Options: { device: '/home/learner/data', o: 'bind', type: 'none' },
    },
  ]);

  it('lists the volumes there are when the one wanted is missing', async () => {
    const report = await verdict({ kind: 'volume', name: 'data-vol' }, [
      [
        /^docker volume inspect/,
        { exitCode: 1, stderr: 'Error response from daemon: get data-vol: no such volume' },
      ],
      [/^docker volume ls/, { stdout: 'notes\n' }],
    ]);
    expect(report.message).toBe('It is missing. Found 1 volume, none named data-vol: notes.');
  });

  it('checks driver options and reads a file from the bound folder', async () => {
    const report = await verdict(
      {
        kind: 'volume',
        name: 'data-vol',
        driver: 'local',
        options: { type: 'none', o: 'bind', device: '/home/learner/data' },
        file: 'notes.txt',
        content: 'kept',
      },
      [
        [/^docker volume inspect/, { stdout: bindVolume }],
        [/^if \[ -f '\/home\/learner\/data\/notes\.txt' \]/, { stdout: 'this line was kept\n' }],
      ],
    );
    expect(report.passed).toBe(true);
  });

  it('says which options differ and when the file is missing', async () => {
    const options = await verdict({ kind: 'volume', name: 'data-vol', options: { device: '/srv/data' } }, [
      [/^docker volume inspect/, { stdout: bindVolume }],
    ]);
    expect(options.message).toBe(
      'It is missing. Found volume data-vol, but it was created with options device=/home/learner/data, o=bind, type=none (expected device=/srv/data).',
    );
    const plain = JSON.stringify([
      { Driver: 'local', Mountpoint: '/var/lib/docker/volumes/v/_data', Name: 'v', Options: null },
    ]);
    const file = await verdict({ kind: 'volume', name: 'v', file: '/notes.txt' }, [
      [/^docker volume inspect/, { stdout: plain }],
      [/^if \[ -f '\/var\/lib\/docker\/volumes\/v\/_data\/notes\.txt' \]/, { exitCode: 3 }],
    ]);
    expect(file.message).toBe('It is missing. Volume v holds no file /notes.txt.');
  });
});

describe('network', () => {
  const appNet = JSON.stringify([
    {
      Name: 'app-net',
      Driver: 'bridge',
      Containers: { [webId]: { Name: 'web', IPv4Address: '172.18.0.2/16' } },
    },
  ]);

  it('passes with the driver and containers attached', async () => {
    const report = await verdict(
      { kind: 'network', name: 'app-net', driver: 'bridge', containers: ['web'] },
      [[/^docker network inspect/, { stdout: appNet }]],
    );
    expect(report.passed).toBe(true);
  });

  it('names missing containers and missing networks', async () => {
    const missing = await verdict({ kind: 'network', name: 'app-net', containers: ['web', 'db'] }, [
      [/^docker network inspect/, { stdout: appNet }],
    ]);
    expect(missing.message).toBe(
      'It is missing. Found network app-net, but it has web attached (expected db, running).',
    );
    const none = await verdict({ kind: 'network', name: 'app-net' }, [
      [/^docker network inspect/, { exitCode: 1, stderr: 'Error: No such network: app-net' }],
      [/^docker network ls/, { stdout: 'bridge\nhost\nnone\n' }],
    ]);
    expect(none.message).toBe('It is missing. Found 3 networks, none named app-net: bridge, host, none.');
  });
});

describe('http', () => {
  it('fetches the page with curl and matches status and body', async () => {
    const report = await verdict(
      { kind: 'http', port: 5000, path: '/visits', expect: { body: 'visited \\d+ times' } },
      [[/^curl .*'http:\/\/localhost:5000\/visits'$/, { stdout: 'You visited 3 times\n200' }]],
    );
    expect(report.passed).toBe(true);
  });

  it('says when nothing listens, and what a wrong page said', async () => {
    const refused = await verdict({ kind: 'http', port: 5000 }, [
      [/^curl/, { exitCode: 7, stderr: 'curl: (7) Failed to connect to localhost port 5000' }],
    ]);
    expect(refused.message).toBe(
      'It is missing. Nothing answers on port 5000 of your machine (connection refused); expected a web server there.',
    );
    const wrong = await verdict({ kind: 'http', port: 8080, expect: { status: 200, body: 'Hello' } }, [
      [/^curl/, { stdout: 'Internal Server Error\n500' }],
    ]);
    expect(wrong.message).toBe(
      'It is missing. http://localhost:8080/ answered with status 500 (expected 200): it was `Internal Server Error`.',
    );
  });
});

describe('hub', () => {
  it('asks as the learner, with the username substituted', async () => {
    const report = await verdict(
      { kind: 'hub', repository: '{{hub.username}}/my-first-docker-image' },
      [[/^docker manifest inspect --insecure 'ada\/my-first-docker-image:latest'$/, { stdout: '{}' }]],
      { 'hub.username': 'ada' },
    );
    expect(report.passed).toBe(true);
    expect(report.calls[0]?.options?.user).toBe('learner');
  });

  it('says the tag is not there yet, or that the hub refused', async () => {
    const unknown = await verdict({ kind: 'hub', repository: 'ada/app', tag: 'v1' }, [
      [/^docker manifest inspect/, { exitCode: 1, stderr: 'no such manifest: docker.io/ada/app:v1' }],
    ]);
    expect(unknown.message).toBe('It is missing. The hub has no ada/app:v1 yet.');
    const refused = await verdict({ kind: 'hub', repository: 'ada/app' }, [
      [/^docker manifest inspect/, { exitCode: 1, stderr: 'unauthorized: authentication required' }],
    ]);
    expect(refused.message).toMatch(
      /^It is missing\. The hub refused to show ada\/app:latest: you are not logged in/,
    );
  });

  it('falls back to a pull through the daemon when the client cannot reach the registry', async () => {
    const report = await verdict({ kind: 'hub', repository: 'ada/app' }, [
      [
        /^docker manifest inspect/,
        { exitCode: 1, stderr: 'dial tcp: lookup registry-1.docker.io: no such host' },
      ],
      [/^docker pull -q 'ada\/app:latest'$/, { stdout: 'docker.io/ada/app:latest' }],
    ]);
    expect(report.passed).toBe(true);
  });
});

describe('compose', () => {
  function composeRules(states: [string, boolean][]): Rule[] {
    const ids = states.map((_, i) => String(i + 1).repeat(12));
    return [
      [/^docker ps -a/, { stdout: ids.join('\n') }],
      [
        /^docker container inspect/,
        {
          stdout: JSON.stringify(
            states.map(([service, running], i) => ({
              Id: ids[i],
              Name: `/shop-${service}-1`,
              State: { Status: running ? 'running' : 'exited', Running: running, ExitCode: running ? 0 : 1 },
              Config: {
                Image: service,
                Labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': service },
              },
            })),
          ),
        },
      ],
    ];
  }

  it('passes when every service runs and says which one does not', async () => {
    const running = await verdict(
      { kind: 'compose', project: 'shop', running: ['web', 'redis'] },
      composeRules([
        ['web', true],
        ['redis', true],
      ]),
    );
    expect(running.passed).toBe(true);
    const stopped = await verdict(
      { kind: 'compose', project: 'shop', running: ['web', 'redis'] },
      composeRules([
        ['web', true],
        ['redis', false],
      ]),
    );
    expect(stopped.message).toBe(
      'It is missing. In project shop, redis is not running; found web (running), redis (exited 1).',
    );
  });
});

describe('file, group and service', () => {
  it('reads a file in the home folder as root', async () => {
    const report = await verdict({ kind: 'file', path: '~/daemon-error.txt', content: 'Cannot connect' }, [
      [/^if \[ -f '\/home\/learner\/daemon-error\.txt' \]/, { exitCode: 3 }],
    ]);
    expect(report.message).toBe('It is missing. There is no file ~/daemon-error.txt.');
    expect(report.calls[0]?.options?.user).toBe('root');
  });

  it('lists the groups the user is in', async () => {
    const report = await verdict({ kind: 'group', group: 'docker' }, [
      [/^id -nG 'learner'$/, { stdout: 'learner sudo\n' }],
    ]);
    expect(report.message).toBe('It is missing. learner is in learner, sudo, not in docker.');
    const member = await verdict({ kind: 'group', group: 'docker' }, [
      [/^id -nG/, { stdout: 'learner sudo docker\n' }],
    ]);
    expect(member.passed).toBe(true);
  });

  it('reads the state of a systemd unit', async () => {
    const report = await verdict({ kind: 'service' }, [
      [/^systemctl is-active 'docker'$/, { exitCode: 3, stdout: 'inactive\n' }],
    ]);
    expect(report.message).toBe('It is missing. systemd says docker is inactive (expected active).');
    const active = await verdict({ kind: 'service', unit: 'docker' }, [
      [/^systemctl/, { stdout: 'active\n' }],
    ]);
    expect(active.passed).toBe(true);
  });
});

describe('substitution and sizes', () => {
  it('replaces only the placeholders it is given', () => {
    const vars = { 'hub.username': 'ada' };
    expect(substituteVars("docker push {{hub.username}}/app && docker ps --format '{{json .}}'", vars)).toBe(
      "docker push ada/app && docker ps --format '{{json .}}'",
    );
    expect(substituteVars('{{ hub.username }} {{hub.password}}', vars)).toBe('ada {{hub.password}}');
    const exercise = exerciseWithVars(exerciseWith({ kind: 'image', ref: '{{hub.username}}/app' }), vars);
    expect(exercise.checks[0]).toMatchObject({ ref: 'ada/app' });
  });

  it('parses sizes the way Docker writes them', () => {
    expect(parseSize('256m')).toBe(268435456);
    expect(parseSize('1g')).toBe(1073741824);
    expect(parseSize('20MB')).toBe(20971520);
    expect(parseSize('512')).toBe(512);
    expect(parseSize('1.5k')).toBe(1536);
  });
});
