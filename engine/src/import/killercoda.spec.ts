import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { exercisesFileSchema } from '../lesson-schema.ts';
import { renderPage } from '../pages/render-page.ts';
import { readScenario, zipOf } from '../testing/scenarios.ts';
import { makeZip } from '../testing/zip.ts';
import {
  importKillercodaFiles,
  importKillercodaZip,
  scenarioSlug,
  type KillercodaImport,
} from './killercoda.ts';
import { refusal } from '../testing/scenarios.ts';

function exerciseIdsOfPage(page: string): string[] {
  return [...page.matchAll(/^::exercise\{id=([a-z0-9-]+)\}$/gm)].map((match) => match[1] ?? '');
}

/** The check script of an exercise, as the learner's machine would run it. */
function checkScript(result: KillercodaImport, id: string): string {
  const check = result.exercises.exercises?.find((exercise) => exercise.id === id)?.checks[0];
  if (check?.kind !== 'command') throw new Error(`no command check in ${id}`);
  return check.run;
}

const minimalIndex = (details: object): string => JSON.stringify({ title: 'Tiny', details }, null, 2);

describe('importKillercodaFiles: a three-step "build and run an nginx image" scenario', () => {
  const result = importKillercodaFiles(readScenario('nginx-image'), { folder: 'nginx-image' });

  it('takes the slug from the folder and the title from index.json', () => {
    expect(result.slug).toBe('nginx-image');
    expect(result.title).toBe('Build and run an nginx image');
  });

  it('makes one section per step, with the directives of an instructor page', async () => {
    await expect(result.page).toMatchFileSnapshot('fixtures/nginx-image.page.md');
    expect(result.page.match(/^## .*/gm)).toEqual([
      '## Welcome',
      '## Write the page and the Dockerfile',
      '## Build the image',
      '## Run a container from it',
      '## Finish',
    ]);
    expect(result.page).toContain('\n::run[mkdir -p ~/site && cd ~/site]\n');
    expect(result.page).toContain("\n:::run\n```\ncat > index.html <<'EOF'\n");
    expect(result.page).toContain('\n:::copy\n```dockerfile\nFROM nginx:alpine\n');
    expect(result.page).toContain('\n::preview{port=8080}\n');
    expect(result.page).toContain(
      'Your new image is in the list now: `docker image ls my-site`\n\n::run[docker image ls my-site]\n',
    );
    expect(result.page).not.toMatch(/\{\{(exec|execute|copy)/);
  });

  it("makes a page the renderer takes without a problem, whose Run buttons type the scenario's commands as written", () => {
    const exercises = result.exercises.exercises?.map((exercise) => exercise.id) ?? [];
    const { html, problems } = renderPage(result.page, { exercises, quizzes: [] });
    expect(problems).toEqual([]);
    const commands = [...html.matchAll(/data-dockyard="run" data-command="([^"]*)"/g)].map((match) =>
      (match[1] ?? '')
        .replaceAll('&#x3C;', '<')
        .replaceAll('&#x26;', '&')
        .replaceAll('&quot;', '"')
        .replaceAll('&#x27;', "'"),
    );
    expect(commands).toContain('mkdir -p ~/site && cd ~/site');
    expect(commands).toContain('docker run -d --name web -p 8080:80 my-site');
    expect(commands.find((command) => command.startsWith("cat > index.html <<'EOF'\n"))).toBeDefined();
  });

  it('makes exercises that the course schema accepts, one per verify script, in page order', () => {
    expect(exercisesFileSchema.safeParse(result.exercises).success).toBe(true);
    // As the instructor will see and save it: YAML.
    expect(exercisesFileSchema.safeParse(parse(stringify(result.exercises))).success).toBe(true);
    const ids = result.exercises.exercises?.map((exercise) => exercise.id);
    expect(ids).toEqual(['step-1', 'step-2', 'step-3']);
    expect(exerciseIdsOfPage(result.page)).toEqual(ids);
  });

  it('turns each verify script into a command check that names its step when it fails', () => {
    const step2 = result.exercises.exercises?.[1];
    expect(step2?.title).toBe('Build the image');
    expect(step2?.checks).toEqual([
      {
        id: 'verify',
        kind: 'command',
        run: '#!/bin/sh\ndocker image inspect my-site >/dev/null 2>&1\n',
        title: 'The check of step 2 ("Build the image") passes.',
        message: 'The check of step 2 ("Build the image") did not pass yet.',
        hint: 'Do what step 2 ("Build the image") asks, then check again.',
      },
    ]);
  });

  it('turns background scripts into setup: the intro’s for the lesson, a step’s for its exercise', () => {
    expect(result.exercises.setup).toBe(
      `bash -c "$(cat <<'KILLERCODA_SCRIPT'\n#!/bin/bash\nmkdir -p /root/site\nKILLERCODA_SCRIPT\n)"`,
    );
    expect(result.exercises.exercises?.[1]?.setup).toContain('docker pull nginx:alpine');
    expect(result.exercises.exercises?.[0]?.setup).toBeUndefined();
  });

  it('solves each exercise with the {{exec}} commands up to its step', () => {
    const solve = result.exercises.exercises?.[2]?.solve ?? '';
    expect(solve.split('\n').filter((line) => line.startsWith('docker') || line.startsWith('curl'))).toEqual([
      'docker version',
      'docker build -t my-site ~/site',
      'docker image ls my-site',
      'docker build --no-cache -t my-site ~/site',
      'docker run -d --name web -p 8080:80 my-site',
      'curl -s localhost:8080',
    ]);
    expect(result.exercises.exercises?.[0]?.solve).not.toContain('docker build');
  });

  it('reports what it could not carry over, with files and lines', () => {
    const has = (file: string, line: number | undefined, message: RegExp): void =>
      expect(result.report).toContainEqual({
        file,
        ...(line === undefined ? {} : { line }),
        message: expect.stringMatching(message),
      });
    has('step3/foreground.sh', undefined, /foreground script .* when step 3 starts/);
    has('assets/logo.png', 22, /copies this asset to \/root\/site on host01/);
    has('step3/text.md', 11, /The image \.\/assets\/request-path\.png is not carried over/);
    has('step3/text.md', 9, /\{\{TRAFFIC_SELECTOR\}\}/);
    has('step2/text.md', 9, /\{\{exec interrupt\}\}/);
    has('index.json', 24, /"ubuntu" machine; a Dockyard machine is Debian with Docker/);
    has('setup.sh', 2, /uses \/root/);
    has('step2/background.sh', undefined, /when the learner reaches step 2/);
    has('index.json', 14, /solve script of exercise step-3 runs the \{\{exec\}\} commands/);
    // Every file was used or reported.
    expect(result.report.some((entry) => entry.message.includes('does not use this file'))).toBe(false);
  });

  it('makes bash scripts run under sh -c as Killercoda ran them, exit code and all', () => {
    const home = mkdtempSync(path.join(tmpdir(), 'killercoda-'));
    try {
      const run = (): ReturnType<typeof spawnSync> =>
        spawnSync('sh', ['-c', checkScript(result, 'step-1')], {
          env: { PATH: process.env.PATH, HOME: home },
          encoding: 'utf8',
        });
      const before = run();
      expect(before.status).toBe(1);
      expect(before.stderr).toContain('index.html or Dockerfile is not in ~/site yet');
      mkdirSync(path.join(home, 'site'));
      writeFileSync(path.join(home, 'site', 'index.html'), '<h1>hi</h1>\n');
      writeFileSync(path.join(home, 'site', 'Dockerfile'), 'FROM nginx:alpine\n');
      expect(run().status).toBe(0);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('gives the same result from a zip of the folder, taking the slug from the folder', () => {
    const zip = zipOf({ ...readScenario('nginx-image'), '__MACOSX/._index.json': 'junk' }, 'nginx-image/');
    const fromZip = importKillercodaZip(zip, { name: 'upload.zip' });
    expect(fromZip).toEqual(result);
  });

  it('takes the slug from the zip’s name when the zip holds the folder’s content', () => {
    const fromZip = importKillercodaZip(zipOf(readScenario('nginx-image')), { name: 'Nginx Image (v2).zip' });
    expect(fromZip.slug).toBe('nginx-image-v2');
    expect(fromZip.page).toBe(result.page);
  });
});

describe('importKillercodaFiles: a flat scenario with what Dockyard cannot use', () => {
  const result = importKillercodaFiles(readScenario('flat-scenario'));

  it('takes the slug from the title when there is no folder name', () => {
    expect(result.slug).toBe('ports-a-first-look');
  });

  it('makes an exercise only of the step that has a verify script', () => {
    expect(exercisesFileSchema.safeParse(result.exercises).success).toBe(true);
    expect(result.page).toBe(
      [
        '## Look around',
        'Every program that listens on the network does so on a port. List the ones in use:',
        '::copy[ss -tln]',
        '## Step 2',
        'Save that list to a file so it can be checked: `ss -tln > /tmp/ports.txt`',
        '::exercise{id=step-2}',
      ].join('\n\n') + '\n',
    );
    const [exercise] = result.exercises.exercises ?? [];
    expect(exercise?.checks[0]?.message).toBe('The check of step 2 did not pass yet.');
    // No {{exec}} command to solve it with: the solve script fails until the instructor writes one.
    expect(exercise?.solve).toMatch(/exit 1$/);
    // A background script without an exercise to set up prepares the whole lesson.
    expect(result.exercises.setup).toContain('apt-get install -y iproute2');
  });

  it('reports the machine, the interface, unknown fields, the missing title and unused files', () => {
    const expected: [string, RegExp][] = [
      ['index.json:3', /^The field time is not one Dockyard uses/],
      ['index.json:10', /"kubernetes-kubeadm-1node" machine, which Dockyard does not have/],
      ['index.json:11', /^The interface settings \(\{"layout":"ide"\}\) are Killercoda's/],
      ['prepare.sh:', /^Step 1 has a background script but no verify script/],
      ['index.json:7', /^The field details\.steps\[1\]\.courseData is not one Dockyard uses/],
      ['index.json:7', /^Step 2 has no title; it is called "Step 2"\.$/],
      ['index.json:7', /^Killercoda has no solve scripts and no \{\{exec\}\} command/],
      ['notes.txt:', /^index\.json does not use this file/],
    ];
    expect(result.report.map((entry) => `${entry.file}:${entry.line ?? ''}`)).toEqual(
      expected.map(([at]) => at),
    );
    result.report.forEach((entry, i) => expect(entry.message).toMatch(expected[i]?.[1] ?? /^$/));
  });
});

describe('importKillercodaFiles: scripts', () => {
  const steps = (scripts: string[]): Record<string, string> => ({
    'index.json': minimalIndex({
      intro: { foreground: 'intro-fg.sh' },
      steps: scripts.map((_, i) => ({ title: `S${i + 1}`, verify: `v${i}.sh` })),
      finish: { background: 'finish-bg.sh' },
    }),
    'intro-fg.sh': 'echo hello\n',
    'finish-bg.sh': 'touch /tmp/finished\n',
    ...Object.fromEntries(scripts.map((script, i) => [`v${i}.sh`, script])),
  });
  const run = (result: KillercodaImport, id: string): string => checkScript(result, id);

  it('hands a script to the interpreter and options of its #! line; plain sh runs as it is', () => {
    const result = importKillercodaFiles(
      steps([
        '#!/bin/sh\ntest -f /tmp/a\n',
        '#!/bin/bash -e\ntest -f /tmp/a\n',
        '#!/usr/bin/env python3\nimport sys; sys.exit(0)\n',
        'test -f /tmp/a\n',
        '#!/usr/bin/env node\nprocess.exit(0)\n',
      ]),
    );
    expect(run(result, 'step-1')).toBe('#!/bin/sh\ntest -f /tmp/a\n');
    expect(run(result, 'step-2')).toMatch(/^bash -e -c "\$\(cat <<'KILLERCODA_SCRIPT'\n#!\/bin\/bash -e\n/);
    expect(run(result, 'step-3')).toMatch(/^python3 -c "\$\(cat <<'KILLERCODA_SCRIPT'\n/);
    // Killercoda runs a script without a #! line with bash.
    expect(run(result, 'step-4')).toMatch(/^bash -c /);
    expect(run(result, 'step-5')).toMatch(/^bash -c /);
    expect(result.report).toContainEqual({
      file: 'v4.sh',
      line: 1,
      message: expect.stringMatching(/runs with node; Dockyard runs it with bash instead/),
    });
  });

  it('picks a heredoc delimiter that the script does not use', () => {
    const result = importKillercodaFiles(
      steps(['#!/bin/bash\ncat <<KILLERCODA_SCRIPT\nx\nKILLERCODA_SCRIPT\n']),
    );
    expect(run(result, 'step-1')).toMatch(/<<'KILLERCODA_SCRIPT_1'\n[\s\S]*\nKILLERCODA_SCRIPT_1\n\)"$/);
  });

  it('reports an empty verify script (no exercise), the intro’s foreground and the finish’s background', () => {
    const result = importKillercodaFiles(steps([' \n', '#!/bin/sh\ntrue\n']));
    expect(result.exercises.exercises?.map((exercise) => exercise.id)).toEqual(['step-2']);
    expect(result.report).toContainEqual({
      file: 'v0.sh',
      message: 'The script is empty, so it was left out.',
    });
    expect(result.report).toContainEqual({
      file: 'intro-fg.sh',
      message: expect.stringMatching(/foreground script .* when the scenario starts/),
    });
    expect(result.report).toContainEqual({
      file: 'finish-bg.sh',
      message: expect.stringMatching(/when the learner finishes; Dockyard has no such moment/),
    });
  });
});

describe('scenarioSlug', () => {
  it.each([
    ['Build & Run: NGINX — für Anfänger!', 'build-run-nginx-fur-anfanger'],
    ['--my_scenario--', 'my-scenario'],
    ['A very long scenario title that goes on and on for a while', 'a-very-long-scenario-title-that-goes-on'],
    ['日本語', ''],
  ])('%s → %s', (name, slug) => {
    expect(scenarioSlug(name)).toBe(slug);
    expect(slug.length).toBeLessThanOrEqual(40);
  });

  it('falls back to a fixed slug when neither folder nor title gives one', () => {
    const files = { 'index.json': JSON.stringify({ title: '日本語', details: { steps: [] } }) };
    expect(importKillercodaFiles(files).slug).toBe('killercoda-scenario');
  });
});

describe('bad input: each refused with the file (and line) at fault, nothing returned', () => {
  it('a scenario without index.json', () => {
    const error = refusal(() => importKillercodaFiles({ 'step1.md': 'Hello' }));
    expect(error.file).toBe('index.json');
    expect(error.message).toMatch(/no index\.json/);
  });

  it('index.json that is not JSON, with the line of the mistake', () => {
    const error = refusal(() =>
      importKillercodaFiles({
        'index.json': '{\n  "title": "Tiny",\n  "details": {\n    "steps": [,]\n  }\n}',
      }),
    );
    expect(error.file).toBe('index.json');
    expect(error.line).toBe(4);
    expect(error.message).toBe('Not valid JSON: expected a value, found "," (column 15).');
    expect(error.toString()).toMatch(/^index\.json:4: Not valid JSON/);
  });

  it('index.json without a title, or with steps that are not a list', () => {
    expect(refusal(() => importKillercodaFiles({ 'index.json': '{ "details": {} }' })).message).toMatch(
      /^title: /,
    );
    const error = refusal(() =>
      importKillercodaFiles({
        'index.json': '{\n  "title": "Tiny",\n  "details": {\n    "steps": "step1.md"\n  }\n}',
      }),
    );
    expect(error.message).toMatch(/^details\.steps: /);
    expect(error.line).toBe(4);
  });

  it.each(['text', 'verify', 'background', 'foreground'])('a step whose %s names a missing file', (field) => {
    const files = {
      'index.json': minimalIndex({
        steps: [
          { title: 'One', text: 'step1.md' },
          { title: 'Two', [field]: 'step2/x' },
        ],
      }),
      'step1.md': 'Hello',
    };
    const error = refusal(() => importKillercodaFiles(files));
    expect(error.file).toBe('index.json');
    expect(error.line).toBe(11);
    expect(error.message).toBe(
      `details.steps[1].${field} names the file "step2/x", which is not in the scenario.`,
    );
  });

  it('a step naming a file outside the scenario', () => {
    const files = { 'index.json': minimalIndex({ steps: [{ title: 'One', verify: '../../etc/passwd' }] }) };
    const error = refusal(() => importKillercodaFiles(files));
    expect(error.file).toBe('index.json');
    expect(error.message).toMatch(/details\.steps\[0\]\.verify: "\.\.\/\.\.\/etc\/passwd": Unsafe path/);
  });

  it('pasted files with unsafe paths, too many files or too many bytes', () => {
    expect(refusal(() => importKillercodaFiles({ 'step1\\text.md': 'x' })).file).toBe('step1\\text.md');
    expect(refusal(() => importKillercodaFiles({ '/etc/passwd': 'x' })).message).toMatch(/absolute/);
    const many = Object.fromEntries(Array.from({ length: 501 }, (_, i) => [`f${i}.md`, 'x']));
    expect(refusal(() => importKillercodaFiles(many)).message).toMatch(/501 files; the limit is 500/);
    const big = { 'a.md': 'x'.repeat(11 * 1024 * 1024), 'b.md': 'x'.repeat(11 * 1024 * 1024) };
    expect(refusal(() => importKillercodaFiles(big)).message).toMatch(/over 20 MB/);
  });

  describe('zips', () => {
    const scenario = readScenario('nginx-image');

    it('over 50 MB compressed', () => {
      const error = refusal(() =>
        importKillercodaZip(new Uint8Array(50 * 1024 * 1024 + 1), { name: 'huge.zip' }),
      );
      expect(error.file).toBe('huge.zip');
    });

    it('whose files would unpack to more than 20 MB, by their declared sizes', () => {
      const zip = makeZip([
        { name: 'index.json', data: '{}' },
        { name: 'assets/a.bin', data: 'x', declaredSize: 21 * 1024 * 1024 },
      ]);
      expect(refusal(() => importKillercodaZip(zip, { name: 'declared.zip' })).message).toMatch(
        /more than 20 MB/,
      );
    });

    it('with an entry that inflates past its declared size (a zip bomb)', () => {
      const zip = makeZip([
        ...Object.entries(scenario).map(([name, data]) => ({ name, data })),
        { name: 'assets/bomb.bin', data: new Uint8Array(25 * 1024 * 1024), declaredSize: 100 },
      ]);
      const error = refusal(() => importKillercodaZip(zip));
      expect(error.file).toBe('assets/bomb.bin');
      expect(error.message).toMatch(/more than the 100 bytes it declares/);
    });

    it('with more than 500 entries', () => {
      const entries = Array.from({ length: 501 }, (_, i) => ({
        name: `assets/f${i}`,
        data: '',
        stored: true,
      }));
      expect(refusal(() => importKillercodaZip(makeZip(entries))).message).toMatch(/501 entries/);
    });

    it.each([
      ['nginx-image/../../etc/cron.d/evil', /goes up/],
      ['/etc/cron.d/evil', /absolute/],
      ['nginx-image\\step1\\text.md', /backslash/],
    ])('with the entry %s', (name, why) => {
      const zip = zipOf({ ...scenario, [name]: 'x' });
      const error = refusal(() => importKillercodaZip(zip));
      expect(error.file).toBe(name);
      expect(error.message).toMatch(why);
    });

    it('with a symbolic link', () => {
      const zip = makeZip([
        ...Object.entries(scenario).map(([name, data]) => ({ name, data })),
        { name: 'assets/passwd', data: '/etc/passwd', mode: 0o120777 },
      ]);
      const error = refusal(() => importKillercodaZip(zip));
      expect(error.file).toBe('assets/passwd');
      expect(error.message).toMatch(/symbolic link/);
    });
  });

  it('a Markdown file over 1 MB, and a page over 1 MB made of smaller files', () => {
    const files = (sizes: number[]): Record<string, string> => ({
      'index.json': minimalIndex({ steps: sizes.map((_, i) => ({ title: `S${i}`, text: `s${i}.md` })) }),
      ...Object.fromEntries(sizes.map((size, i) => [`s${i}.md`, 'word '.repeat(size / 5)])),
    });
    const one = refusal(() => importKillercodaFiles(files([1024 * 1024 + 5])));
    expect(one.file).toBe('s0.md');
    expect(one.message).toMatch(/limit is 1 MB/);
    const page = refusal(() => importKillercodaFiles(files([600 * 1024, 600 * 1024])));
    expect(page.file).toBe('index.json');
    expect(page.message).toMatch(/page made from the scenario is over 1 MB/);
  });

  it('a script over 64 KiB', () => {
    const files = {
      'index.json': minimalIndex({ steps: [{ title: 'One', verify: 'verify.sh' }] }),
      'verify.sh': `#!/bin/sh\n${'true\n'.repeat(14 * 1024)}`,
    };
    const error = refusal(() => importKillercodaFiles(files));
    expect(error.file).toBe('verify.sh');
    expect(error.message).toMatch(/limit is 64 KiB/);
  });

  it('a file that is not UTF-8 text', () => {
    const files = {
      'index.json': minimalIndex({ steps: [{ title: 'One', text: 'step1.md' }] }),
      'step1.md': new Uint8Array([0x48, 0xff, 0xfe, 0x69]),
    };
    expect(refusal(() => importKillercodaFiles(files)).file).toBe('step1.md');
  });

  it('leaves its input as it was', () => {
    const files = Object.freeze(readScenario('nginx-image'));
    const copy = structuredClone(files);
    importKillercodaFiles(files);
    expect(files).toEqual(copy);
  });
});
