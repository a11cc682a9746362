#!/usr/bin/env node
// `npm test`: set-up (idempotent), then type check, lint, format check, and every vitest suite
// (unit, integration against real Incus sandboxes, browser in Debian's Chromium), then the
// Docker runtime's own tests.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { aptInstall } from './setup/engine-host.mjs';
import { SetupError, has, info, run, step } from './setup/shell.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const runtime = (process.env.DOCKYARD_RUNTIME ?? 'incus').trim().toLowerCase();
const DOCKER_RUNTIME_FILES = [
  'test/sandbox-lifecycle.test.ts',
  'test/api.test.ts',
  'test/attacks.test.ts',
  'test/machines.test.ts',
];

async function main() {
  step(1, 5, 'Set-up (npm start --setup-only)');
  await run('node', [path.join(root, 'scripts', 'start.mjs'), '--setup-only'], {
    label: 'set-up',
    cwd: root,
  });
  if (!has('chromium')) await aptInstall(['chromium'], 'The browser tests');

  step(2, 5, 'Type check (tsc --noEmit)');
  await run(bin('tsc'), ['--noEmit', '-p', root], { label: 'tsc', cwd: root });
  step(3, 5, 'Lint (eslint)');
  await run(bin('eslint'), ['--max-warnings=0', '.'], { label: 'eslint', cwd: root });
  step(4, 5, 'Format (prettier --check)');
  await run(bin('prettier'), ['--check', '--log-level=warn', '.'], { label: 'prettier', cwd: root });
  step(5, 5, 'Tests (vitest)');
  const { spawnSync } = await import('node:child_process');
  const extra = process.argv.slice(2);
  const r = spawnSync(bin('vitest'), ['run', ...extra], { stdio: 'inherit', cwd: root });
  if (r.status !== 0) throw new SetupError('Some tests failed (see above).');
  if (extra.length > 0 || runtime === 'docker') return;
  // The Docker runtime stays for laptops with Docker only: its machine's life cycle, the API and
  // what root in it can do to the host (the reason it is not for strangers) run on it too.
  info('the Docker runtime: life cycle, API and what root in a sandbox can do to the host');
  const docker = spawnSync(bin('vitest'), ['run', ...DOCKER_RUNTIME_FILES], {
    stdio: 'inherit',
    cwd: root,
    env: { ...process.env, DOCKYARD_RUNTIME: 'docker' },
  });
  if (docker.status !== 0) throw new SetupError('Some tests failed on the Docker runtime (see above).');
}

main().catch((err) => {
  console.error(`\n\x1b[31mnpm test failed:\x1b[0m ${err instanceof SetupError ? err.message : err.stack}`);
  process.exit(1);
});
