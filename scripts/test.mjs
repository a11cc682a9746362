#!/usr/bin/env node
// `npm test`: set-up (idempotent), then type check, lint, format check, and every vitest suite
// (unit, integration against the real Docker engine, browser in Debian's Chromium).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { aptInstall } from './setup/engine-host.mjs';
import { SetupError, has, run, step } from './setup/shell.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);

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
}

main().catch((err) => {
  console.error(`\n\x1b[31mnpm test failed:\x1b[0m ${err instanceof SetupError ? err.message : err.stack}`);
  process.exit(1);
});
