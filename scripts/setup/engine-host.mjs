// Makes sure a Docker engine answers: use the one that is there, otherwise install Debian's
// docker.io and start dockerd by hand (the machines this runs on may have no systemd).
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { SetupError, capture, has, info, run } from './shell.mjs';

export function engineVersion() {
  const r = capture('docker', ['version', '--format', '{{.Server.Version}}']);
  return r.code === 0 ? r.stdout.trim() : null;
}

const isRoot = () => process.getuid?.() === 0;

/** Installs Debian packages that are missing; explains what to do when it cannot. */
export async function aptInstall(packages, why) {
  const missing = packages.filter(
    (p) => capture('dpkg-query', ['-W', '-f=${Status}', p]).stdout !== 'install ok installed',
  );
  if (missing.length === 0) return;
  if (!has('apt-get')) {
    throw new SetupError(
      `${why} needs the Debian packages ${missing.join(', ')}, and this machine has no apt-get: install them by hand.`,
    );
  }
  if (!isRoot()) {
    throw new SetupError(
      `${why} needs the Debian packages ${missing.join(', ')}: run as root, or install them with sudo apt-get install ${missing.join(' ')}.`,
    );
  }
  info(`installing ${missing.join(', ')} from Debian`);
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  await run('apt-get', ['update', '-q'], {
    label: 'apt-get update',
    env,
    filter: (l) => /^(Get|Hit|Err|E:)/.test(l),
  });
  await run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], {
    label: 'apt-get install',
    env,
    filter: (l) => /^(Unpacking|Setting up|E:)/.test(l),
  });
}

/** Ensures a Docker engine answers, installing and starting one if needed; returns its version. */
export async function ensureEngine(dataDir) {
  let version = engineVersion();
  if (version) return version;
  if (!has('dockerd')) {
    if (!has('apt-get') || !isRoot()) {
      throw new SetupError(
        'No Docker engine answers and none is installed: start Docker, or run npm start as root on Debian so it can install docker.io.',
      );
    }
    await aptInstall(['docker.io', 'iptables'], 'Running sandboxes');
    version = engineVersion(); // the package may have started it through systemd
    if (version) return version;
  }
  if (!isRoot())
    throw new SetupError(
      'The Docker engine is installed but not running: start it (sudo systemctl start docker) or run npm start as root.',
    );
  const log = path.join(dataDir, 'dockerd.log');
  fs.mkdirSync(dataDir, { recursive: true });
  info(`starting dockerd (log: ${path.relative(process.cwd(), log)})`);
  const fd = fs.openSync(log, 'a');
  spawn('dockerd', [], { detached: true, stdio: ['ignore', fd, fd] }).unref();
  for (let i = 0; i < 120; i++) {
    version = engineVersion();
    if (version) return version;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new SetupError(`dockerd did not answer within 60s; see ${log}.`);
}
