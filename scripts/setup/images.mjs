// Builds Dockyard's images from Debian packages, offline from Docker Hub. Each image is tagged
// with a hash of its definition (and of its base), so an unchanged definition is never rebuilt.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { capture, info, run, SetupError } from './shell.mjs';

const MIRROR = process.env.DOCKYARD_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';
const SUITE = 'trixie';
/** The library image that is also the base of every other one. */
const BASE_NAME = 'debian';

/** Hash of every file under a folder (names and contents), plus extra strings. */
export function hashTree(dir, ...extra) {
  return hashDefinition(dir, [], ...extra);
}

/** Like hashTree, leaving out the files named in `skip` (e.g. image.json, which holds no build input). */
function hashDefinition(dir, skip, ...extra) {
  const h = crypto.createHash('sha256');
  const walk = (d) => {
    for (const entry of fs
      .readdirSync(d, { withFileTypes: true })
      .sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, entry.name);
      if (skip.includes(path.relative(dir, p))) continue;
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
  return run('docker', args, {
    label: `docker build ${tag}`,
    filter: (l) => /^(Step|#\d+ \[|ERROR|error)/.test(l),
  });
}

const COMPONENT = '[a-z0-9]+(?:[._-][a-z0-9]+)*';
/** A hub repository name: `golang` (published as library/golang) or `docker/dockerfile`. */
const REPOSITORY = new RegExp(`^(?:${COMPONENT}/)?${COMPONENT}$`);

/** The folder that owns a repository's moving tags: the one named as its last component. */
export const mainFolderOf = (repository) => repository.split('/').pop();

/** Where the hub keeps a repository: library/<name> for official-style images, else its own name. */
export const hubPathOf = (repository) => (repository.includes('/') ? repository : `library/${repository}`);

/**
 * The library's definitions, in build order: the base (debian) first, then by folder name. A
 * folder is one image of the hub repository named in its image.json's "repository" (default: the
 * folder's name; a name with a namespace, docker/dockerfile, is published outside library/). A
 * repository can have a second folder for an older version (golang-1.21 next to golang): the
 * folder named as the repository's last component owns its moving tags (major, latest).
 */
export function readLibrary(root) {
  const dir = path.join(root, 'images', 'library');
  const names = fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort((a, b) => (a === BASE_NAME ? -1 : b === BASE_NAME ? 1 : a.localeCompare(b)));
  const images = names.map((name) => {
    const folder = path.join(dir, name);
    const metaFile = path.join(folder, 'image.json');
    if (!fs.existsSync(metaFile)) throw new SetupError(`images/library/${name} has no image.json.`);
    let meta;
    try {
      meta = JSON.parse(fs.readFileSync(metaFile, 'utf8'));
    } catch (err) {
      throw new SetupError(`images/library/${name}/image.json is not valid JSON: ${err.message}`);
    }
    if (typeof meta.description !== 'string' || !meta.description) {
      throw new SetupError(`images/library/${name}/image.json needs a "description".`);
    }
    if (name !== BASE_NAME && !fs.existsSync(path.join(folder, 'Dockerfile'))) {
      throw new SetupError(`images/library/${name} has no Dockerfile.`);
    }
    const repository = meta.repository ?? name;
    if (typeof repository !== 'string' || !REPOSITORY.test(repository)) {
      throw new SetupError(
        `images/library/${name}/image.json: "repository" must be a hub name such as golang or ` +
          `docker/dockerfile (lower case letters and digits, with . _ - between them), not ${JSON.stringify(repository)}.`,
      );
    }
    return { name, repository, dir: folder, meta };
  });
  for (const image of images) {
    if (image.name === BASE_NAME && image.repository !== BASE_NAME) {
      throw new SetupError(
        `images/library/${BASE_NAME} is the base image: it cannot be published as another repository.`,
      );
    }
    const main = mainFolderOf(image.repository);
    if (main === image.name) continue;
    if (!images.some((i) => i.name === main && i.repository === image.repository)) {
      throw new SetupError(
        `images/library/${image.name} is published as ${image.repository}, but there is no folder ` +
          `images/library/${main} published as ${image.repository} (the repository's main image, which owns its latest tag).`,
      );
    }
  }
  return images;
}

/**
 * The tags of a library image: the version itself, then major.minor and major when it is dotted
 * numbers (3.13.5 → 3.13.5, 3.13, 3), then the image's aliases, then latest. An image that does
 * not own its repository's moving tags (`moving: false`, a second folder such as golang-1.21) gets
 * only its version, major.minor and aliases: never the major or latest.
 */
export function tagsFor(version, aliases = [], { moving = true } = {}) {
  const tags = [];
  if (version) {
    tags.push(version);
    const parts = version.split('.');
    if (/^\d+(\.\d+)+$/.test(version)) {
      if (parts.length > 2) tags.push(parts.slice(0, 2).join('.'));
      if (moving) tags.push(parts[0]);
    }
  }
  tags.push(...aliases);
  if (moving) tags.push('latest');
  return [...new Set(tags)];
}

const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** Runs the image's version command in it (cached per image and command in the build folder). */
function versionOf(image, local, cacheFile) {
  if (!image.meta.version) return '';
  const cache = fs.existsSync(cacheFile) ? JSON.parse(fs.readFileSync(cacheFile, 'utf8')) : {};
  const key = `${local} ${image.meta.version}`;
  if (cache[key]) return cache[key];
  const r = capture('docker', [
    'run',
    '--rm',
    '--network',
    'none',
    '--entrypoint',
    'sh',
    local,
    '-c',
    image.meta.version,
  ]);
  const version = r.stdout.trim().split('\n')[0]?.trim() ?? '';
  if (r.code !== 0 || !TAG.test(version)) {
    throw new SetupError(
      `The version command of images/library/${image.name} (${image.meta.version}) gave ` +
        `${JSON.stringify(version)} (exit ${r.code}${r.stderr ? `: ${r.stderr.trim().slice(0, 200)}` : ''}); ` +
        'it must print one version such as 3.13.5.',
    );
  }
  cache[key] = version;
  fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
  fs.writeFileSync(cacheFile, JSON.stringify(cache, null, 2));
  return version;
}

/** Removes older builds of a library image (other tags of the same local repository). */
function removeOlderBuilds(local) {
  const [repo, current] = local.split(':');
  const old = capture('docker', ['images', repo, '--format', '{{.Tag}}'])
    .stdout.split('\n')
    .filter((t) => t && t !== current);
  if (old.length) capture('docker', ['rmi', ...old.map((t) => `${repo}:${t}`)]);
}

/**
 * Builds (or finds) every image: the Debian base, the sandbox (the learner's machine) and the
 * library images served by the hub. Returns { debian, sandbox, library: { folder: { repository,
 * local, tags, description, sizeBytes } } }, one entry per folder of images/library.
 */
export async function buildImages(root, workDir) {
  const images = path.join(root, 'images');
  const library = readLibrary(root);
  const tags = { library: {} };

  const base = library[0];
  if (base?.name !== BASE_NAME) throw new SetupError('images/library/debian (the base image) is missing.');
  const debianHash = hashDefinition(base.dir, ['image.json'], SUITE);
  tags.debian = `dockyard/debian:${debianHash}`;
  if (imageExists(tags.debian)) info(`debian base: ${tags.debian} (up to date)`);
  else {
    info(`debian base: building ${tags.debian}`);
    await importRootfs(base.dir, tags.debian, workDir, ['CMD ["bash"]', 'ENV LANG=C.UTF-8']);
  }

  const sandboxHash = hashTree(path.join(images, 'sandbox'), SUITE);
  tags.sandbox = `dockyard/sandbox:${sandboxHash}`;
  if (imageExists(tags.sandbox)) info(`sandbox: ${tags.sandbox} (up to date)`);
  else {
    // The root filesystem depends only on the package list: editing files/ or the Dockerfile
    // rebuilds the (fast) docker build on top, not the mmdebstrap run.
    const packageList = fs.readFileSync(path.join(images, 'sandbox', 'packages.txt'), 'utf8');
    const rootfsHash = crypto
      .createHash('sha256')
      .update(`${SUITE}\0${packageList}`)
      .digest('hex')
      .slice(0, 12);
    const rootfs = `dockyard/sandbox-rootfs:${rootfsHash}`;
    if (!imageExists(rootfs)) {
      info(`sandbox: building the learner's machine (Debian ${SUITE}, Docker engine, systemd)`);
      await importRootfs(path.join(images, 'sandbox'), rootfs, workDir, []);
    }
    await dockerBuild(path.join(images, 'sandbox'), tags.sandbox, { ROOTFS: rootfs });
  }
  if (!imageExists(tags.sandbox)) throw new SetupError(`The sandbox image ${tags.sandbox} was not built.`);

  const versionCache = path.join(workDir, 'library-versions.json');
  for (const [i, image] of library.entries()) {
    const hash =
      image.name === BASE_NAME ? debianHash : hashDefinition(image.dir, ['image.json'], debianHash);
    const local = `dockyard/library-${image.name}:${hash}`;
    const counter = `[${i + 1}/${library.length}] ${image.name}`;
    let state = 'up to date';
    if (!imageExists(local)) {
      if (image.name === BASE_NAME) {
        await run('docker', ['tag', tags.debian, local], { quiet: true });
      } else {
        info(`${counter}: building ${local}`);
        state = `built in ${await dockerBuild(image.dir, local, { BASE: tags.debian, DEBIAN_MIRROR: MIRROR })}s`;
      }
      removeOlderBuilds(local);
    }
    if (!imageExists(local)) throw new SetupError(`The library image ${local} was not built.`);
    const version = versionOf(image, local, versionCache);
    const moving = mainFolderOf(image.repository) === image.name;
    const imageTags = tagsFor(version, image.meta.aliases ?? [], { moving });
    if (imageTags.length === 0) {
      throw new SetupError(
        `images/library/${image.name} has no tag: it needs a "version" command or "aliases".`,
      );
    }
    const sizeBytes = Number(capture('docker', ['image', 'inspect', '-f', '{{.Size}}', local]).stdout.trim());
    tags.library[image.name] = {
      repository: image.repository,
      local,
      tags: imageTags,
      description: image.meta.description,
      sizeBytes,
    };
    info(`${counter}: ${local} (${state}) → ${imageTags.map((t) => `${image.repository}:${t}`).join(', ')}`);
  }
  return tags;
}
