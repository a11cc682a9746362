#!/usr/bin/env node
// `npm start`: installs and builds whatever is missing, then runs the Dockyard server.
// `npm start -- --setup-only` (or `npm run setup`) stops after the set-up. Safe to run again:
// every step checks what is already there first.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { aptInstall, ensureEngine } from './setup/engine-host.mjs';
import { publishLibrary, writeImageManifest } from './setup/hub-library.mjs';
import { buildImages, hashTree } from './setup/images.mjs';
import { ensureIncus } from './setup/incus-host.mjs';
import { SetupError, has, info, run, step } from './setup/shell.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = path.resolve(process.env.DOCKYARD_DATA_DIR ?? path.join(root, '.dockyard'));
const setupOnly = process.argv.includes('--setup-only');
const runtime = (process.env.DOCKYARD_RUNTIME ?? 'incus').trim().toLowerCase();
const TOTAL = (setupOnly ? 5 : 6) + (runtime === 'incus' ? 1 : 0);

async function npmDependencies() {
  const lock = path.join(root, 'package-lock.json');
  const marker = path.join(root, 'node_modules', '.package-lock.json');
  const stamp = path.join(root, 'node_modules', '.dockyard-installed');
  const wanted = crypto.createHash('sha256').update(fs.readFileSync(lock)).digest('hex');
  if (fs.existsSync(marker) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === wanted) {
    info('up to date');
    return;
  }
  await run('npm', ['ci', '--no-audit', '--no-fund'], {
    label: 'npm ci',
    cwd: root,
    filter: (l) => /added|ERR/.test(l),
  });
  fs.writeFileSync(stamp, wanted);
}

async function buildSite() {
  const hash = hashTree(
    path.join(root, 'site', 'src'),
    fs.readFileSync(path.join(root, 'site', 'astro.config.mjs'), 'utf8'),
    hashTree(path.join(root, 'lessons')),
    hashTree(path.join(root, 'engine', 'src')),
  );
  const stamp = path.join(dataDir, 'site.hash');
  if (
    fs.existsSync(path.join(root, 'site', 'dist', 'index.html')) &&
    fs.existsSync(stamp) &&
    fs.readFileSync(stamp, 'utf8') === hash
  ) {
    info('up to date');
    return;
  }
  await run(path.join(root, 'node_modules', '.bin', 'astro'), ['build', '--root', 'site', '--silent'], {
    label: 'astro build',
    cwd: root,
  });
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(stamp, hash);
  info('site built into site/dist');
}

async function main() {
  const [major] = process.versions.node.split('.').map(Number);
  if (major < 20) throw new SetupError(`Dockyard needs Node.js 20 or newer; this is ${process.version}.`);
  if (runtime !== 'incus' && runtime !== 'docker')
    throw new SetupError(`DOCKYARD_RUNTIME must be incus or docker, got "${runtime}".`);
  fs.mkdirSync(dataDir, { recursive: true });

  step(1, TOTAL, 'npm dependencies');
  await npmDependencies();

  step(2, TOTAL, 'Docker engine');
  const version = await ensureEngine(dataDir);
  info(`Docker engine ${version} answers`);

  step(3, TOTAL, 'Lab tools (mmdebstrap, the distribution registry, apt-cacher-ng, openssl)');
  const tools = [];
  if (!has('mmdebstrap')) tools.push('mmdebstrap');
  if (!has('docker-registry')) tools.push('docker-registry');
  if (!has('apt-cacher-ng')) tools.push('apt-cacher-ng');
  if (!has('openssl')) tools.push('openssl');
  await aptInstall(tools, 'Building the images and running the lab hub and package proxy');
  // Debian starts its own registry and cache with their own settings; Dockyard runs both itself.
  for (const service of ['docker-registry', 'apt-cacher-ng']) {
    if (has('systemctl') && fs.existsSync('/run/systemd/system')) {
      await run('systemctl', ['disable', '--now', service], { quiet: true }).catch(() => undefined);
    } else {
      await run('sh', ['-c', `service ${service} stop >/dev/null 2>&1 || true`], { quiet: true });
    }
  }
  info('ready');

  step(4, TOTAL, 'Images (built from Debian packages; only changed definitions are rebuilt)');
  const tags = await buildImages(root, path.join(dataDir, 'build'));
  await publishLibrary(dataDir, tags.library);
  let incusSandbox;
  let n = 5;
  if (runtime === 'incus') {
    step(n++, TOTAL, 'Incus (unprivileged sandboxes: storage pool with quotas, sealed lab bridge, image)');
    incusSandbox = await ensureIncus(dataDir, tags.sandbox);
    info('ready');
  }
  writeImageManifest(dataDir, tags.sandbox, tags.library, incusSandbox);

  step(n++, TOTAL, 'Site');
  await buildSite();

  if (setupOnly) return;
  step(n, TOTAL, 'Server');
  const server = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(root, 'sandbox-server', 'src', 'main.ts')],
    {
      stdio: 'inherit',
      cwd: root,
    },
  );
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
  server.on('exit', (code) => process.exit(code ?? 0));
}

main().catch((err) => {
  console.error(
    `\n\x1b[31mDockyard set-up failed:\x1b[0m ${err instanceof SetupError ? err.message : err.stack}`,
  );
  process.exit(1);
});
