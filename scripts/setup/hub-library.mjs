// Publishes the library images into the hub's storage, as library/<repository>:<tag> (or
// <namespace>/<name>:<tag> for a repository such as docker/dockerfile) for each of their tags (a
// repository may have two folders, such as golang and golang-1.21), through a short-lived registry
// on loopback (the hub that sandboxes use lets learners push only into their own namespaces).
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { hubPathOf, mainFolderOf } from './images.mjs';
import { capture, info, run, SetupError } from './shell.mjs';

const PORT = 5099;

async function waitFor(url, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new SetupError(`The registry did not answer at ${url}.`);
}

/**
 * Holds a lock file in the data dir while publishing, so two set-ups on one machine (several
 * engineers, or npm start beside npm test) never run two publishing registries at once.
 */
async function withLock(dataDir, fn) {
  const lock = path.join(dataDir, 'hub-publish.lock');
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch {
      const holder = Number(fs.readFileSync(lock, 'utf8') || 0);
      let alive = false;
      try {
        alive = holder > 0 && (process.kill(holder, 0), true);
      } catch {
        alive = false;
      }
      if (!alive) {
        fs.rmSync(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new SetupError(`Another set-up (pid ${holder}) holds ${lock}.`);
      if (!withLock.waiting) info(`waiting for another set-up (pid ${holder}) to finish publishing`);
      withLock.waiting = true;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

const sameList = (a, b) => Array.isArray(a) && a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * The library by hub repository, as images.json records it: the folders of one repository (golang
 * and golang-1.21) become one entry whose tags are all of theirs, the main folder's (named as the
 * repository's last component) first. Its `local`, description and size are the main folder's; the others' come
 * after as `more`. Throws when two folders would publish the same tag.
 */
export function libraryRepositories(library) {
  const folders = Object.entries(library).map(([name, entry]) => ({
    name,
    ...entry,
    repository: entry.repository ?? name,
  }));
  const byRepository = {};
  const isMain = (folder) => folder.name === mainFolderOf(folder.repository);
  for (const folder of folders.sort(
    (a, b) => Number(isMain(b)) - Number(isMain(a)) || a.name.localeCompare(b.name),
  )) {
    (byRepository[folder.repository] ??= []).push(folder);
  }
  const repositories = {};
  for (const repository of Object.keys(byRepository).sort()) {
    const [main, ...more] = byRepository[repository];
    const owner = new Map();
    for (const folder of [main, ...more]) {
      for (const tag of folder.tags) {
        if (owner.has(tag)) {
          throw new SetupError(
            `images/library/${owner.get(tag)} and images/library/${folder.name} would both publish ` +
              `${repository}:${tag}; give the second folder its own version (only the folder named ` +
              `${repository} gets the major and latest tags).`,
          );
        }
        owner.set(tag, folder.name);
      }
    }
    repositories[repository] = {
      local: main.local,
      tags: [...owner.keys()],
      description: [main, ...more]
        .map((f) => f.description)
        .filter(Boolean)
        .join(' '),
      sizeBytes: main.sizeBytes,
      ...(more.length
        ? { more: more.map(({ local, tags, sizeBytes }) => ({ local, tags, sizeBytes })) }
        : {}),
    };
  }
  return repositories;
}

/**
 * Pushes each library image ({ folder: { repository, local, tags } }) not yet published under all
 * its tags; remembers what it published, per folder, in the data dir (hub-published.json).
 */
export async function publishLibrary(dataDir, library) {
  libraryRepositories(library); // refuses two folders publishing one tag before anything is pushed
  fs.mkdirSync(dataDir, { recursive: true });
  await withLock(dataDir, () => publish(dataDir, library));
}

async function publish(dataDir, library) {
  const storage = path.join(dataDir, 'hub');
  const recordFile = path.join(dataDir, 'hub-published.json');
  const published = fs.existsSync(recordFile) ? JSON.parse(fs.readFileSync(recordFile, 'utf8')) : {};
  const pending = Object.entries(library).filter(
    ([name, { local, tags }]) => published[name]?.local !== local || !sameList(published[name]?.tags, tags),
  );
  if (pending.length === 0) {
    info(`library up to date in the hub: ${Object.keys(library).join(', ')}`);
    return;
  }
  fs.mkdirSync(storage, { recursive: true });
  const config = path.join(dataDir, 'hub-publish.yml');
  fs.writeFileSync(
    config,
    `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${storage}\nhttp:\n  addr: 127.0.0.1:${PORT}\n`,
  );
  const replaced = pending.some(([name, { local }]) => published[name] && published[name].local !== local);
  const registry = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
  try {
    await waitFor(`http://127.0.0.1:${PORT}/v2/`, 10_000);
    for (const [name, { repository = name, local, tags }] of pending) {
      const started = Date.now();
      info(`publishing ${name} (${local}) as ${tags.map((t) => `${repository}:${t}`).join(', ')}`);
      for (const tag of tags) {
        const target = `127.0.0.1:${PORT}/${hubPathOf(repository)}:${tag}`;
        await run('docker', ['tag', local, target], { quiet: true });
        try {
          await run('docker', ['push', target], { label: `docker push ${repository}:${tag}`, quiet: true });
        } finally {
          await run('docker', ['rmi', target], { quiet: true });
        }
      }
      info(`published ${name} in ${Math.round((Date.now() - started) / 100) / 10}s`);
      published[name] = { local, tags };
      fs.writeFileSync(recordFile, JSON.stringify(published, null, 2));
    }
  } finally {
    registry.kill('SIGTERM');
    await new Promise((r) => (registry.exitCode === null ? registry.once('exit', r) : r()));
  }
  // A new build of an image leaves the layers of the one it replaced behind, untagged. Garbage
  // collection removes them (older version tags such as python:3.13.4 stay pullable), but it must
  // not run while the hub takes learners' pushes into the same storage.
  if (replaced) {
    if (await hubRunning()) {
      info('the hub is running: replaced layers stay until the next set-up with the server stopped');
    } else {
      await run('docker-registry', ['garbage-collect', '--delete-untagged', config], {
        label: 'hub garbage-collect',
        quiet: true,
      });
    }
  }
  info(`hub storage: ${capture('du', ['-sh', storage]).stdout.split('\t')[0]}`);
}

/** Whether the hub's registry is running (a running server's hub writes into the same storage). */
function hubRunning() {
  const port = Number(process.env.DOCKYARD_HUB_REGISTRY_PORT ?? 5001);
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port, timeout: 1000 });
    const done = (answer) => {
      socket.destroy();
      resolve(answer);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

/** Writes <dataDir>/images.json: the sandbox tag and the library by repository, as the server shows it (Hub page). */
export function writeImageManifest(dataDir, sandbox, library, incusSandbox) {
  const manifest = {
    sandbox,
    ...(incusSandbox ? { incusSandbox } : {}),
    library: libraryRepositories(library),
  };
  fs.writeFileSync(path.join(dataDir, 'images.json'), JSON.stringify(manifest, null, 2) + '\n');
}
