// Builds Dockyard's images from Debian packages, offline from Docker Hub. Each image is tagged
// with a hash of its definition (and of its base), so an unchanged definition is never rebuilt.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { capture, info, run, SetupError } from './shell.mjs';

const MIRROR = process.env.DOCKYARD_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';
const SUITE = 'trixie';

/** Hash of every file under a folder (names and contents), plus extra strings. */
export function hashTree(dir, ...extra) {
  const h = crypto.createHash('sha256');
  const walk = (d) => {
    for (const entry of fs
      .readdirSync(d, { withFileTypes: true })
      .sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else {
        h.update(path.relative(dir, p) + '\0');
        h.update(fs.readFileSync(p));
        h.update(String(fs.statSync(p).mode & 0o111));
      }
    }
  };
  walk(dir);
  for (const e of extra) h.update('\0' + e);
  return h.digest('hex').slice(0, 12);
}

export const imageExists = (ref) => capture('docker', ['image', 'inspect', ref]).code === 0;

function packagesOf(dir) {
  const file = path.join(dir, 'packages.txt');
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean);
}

/** mmdebstrap a minbase Debian root filesystem with the folder's packages.txt, then docker import it. */
async function importRootfs(dir, tag, workDir, changes) {
  const packages = packagesOf(dir);
  fs.mkdirSync(workDir, { recursive: true });
  const tar = path.join(workDir, `${tag.replace(/[/:]/g, '_')}.tar`);
  const args = ['--variant=minbase', '--aptopt=APT::Install-Recommends "false"', '--mode=root'];
  if (packages.length) args.push(`--include=${packages.join(',')}`);
  const secs = await run('mmdebstrap', [...args, SUITE, tar, MIRROR], {
    label: 'mmdebstrap',
    filter: (l) => /^(I:|E:|W:)/.test(l),
  });
  info(`root filesystem ready in ${secs}s; importing`);
  await run('docker', ['import', ...changes.flatMap((c) => ['--change', c]), tar, tag], {
    label: 'docker import',
    quiet: true,
  });
  fs.rmSync(tar, { force: true });
}

async function dockerBuild(dir, tag, buildArgs) {
  const args = [
    'build',
    '-t',
    tag,
    ...Object.entries(buildArgs).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]),
    dir,
  ];
  await run('docker', args, {
    label: `docker build ${tag}`,
    filter: (l) => /^(Step|#\d+ \[|ERROR|error)/.test(l),
  });
}

/**
 * Builds (or finds) every image: the Debian base, the sandbox (the learner's machine) and the
 * library images served by the hub. Returns their tags.
 */
export async function buildImages(root, workDir) {
  const images = path.join(root, 'images');
  const tags = {};

  const debianHash = hashTree(path.join(images, 'debian'), SUITE);
  tags.debian = `dockyard/debian:${debianHash}`;
  if (imageExists(tags.debian)) info(`debian base: ${tags.debian} (up to date)`);
  else {
    info(`debian base: building ${tags.debian}`);
    await importRootfs(path.join(images, 'debian'), tags.debian, workDir, [
      'CMD ["bash"]',
      'ENV LANG=C.UTF-8',
    ]);
  }

  const sandboxHash = hashTree(path.join(images, 'sandbox'), SUITE);
  tags.sandbox = `dockyard/sandbox:${sandboxHash}`;
  if (imageExists(tags.sandbox)) info(`sandbox: ${tags.sandbox} (up to date)`);
  else {
    const rootfs = `dockyard/sandbox-rootfs:${hashTree(path.join(images, 'sandbox'), 'packages', fs.readFileSync(path.join(images, 'sandbox', 'packages.txt'), 'utf8'))}`;
    if (!imageExists(rootfs)) {
      info(`sandbox: building the learner's machine (Debian ${SUITE}, Docker engine, systemd)`);
      await importRootfs(path.join(images, 'sandbox'), rootfs, workDir, []);
    }
    await dockerBuild(path.join(images, 'sandbox'), tags.sandbox, { ROOTFS: rootfs });
  }

  const helloHash = hashTree(path.join(images, 'hello-world'), debianHash);
  tags['hello-world'] = `dockyard/hello-world:${helloHash}`;
  if (imageExists(tags['hello-world'])) info(`hello-world: ${tags['hello-world']} (up to date)`);
  else {
    info(`hello-world: building ${tags['hello-world']}`);
    await dockerBuild(path.join(images, 'hello-world'), tags['hello-world'], { BASE: tags.debian });
  }
  if (!imageExists(tags.sandbox)) throw new SetupError(`The sandbox image ${tags.sandbox} was not built.`);
  return tags;
}
