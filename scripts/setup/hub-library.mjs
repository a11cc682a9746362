// Publishes the library images into the hub's storage, as library/<name>:latest, through a
// short-lived read-write registry on loopback. The hub that sandboxes use is read-only.
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { info, run, SetupError } from './shell.mjs';

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

/** Pushes each { name: localTag } not yet published; remembers what it published in the data dir. */
export async function publishLibrary(dataDir, library) {
  const storage = path.join(dataDir, 'hub');
  const recordFile = path.join(dataDir, 'hub-published.json');
  const published = fs.existsSync(recordFile) ? JSON.parse(fs.readFileSync(recordFile, 'utf8')) : {};
  const pending = Object.entries(library).filter(([name, tag]) => published[name] !== tag);
  if (pending.length === 0) {
    info(`library up to date: ${Object.keys(library).join(', ')}`);
    return;
  }
  fs.mkdirSync(storage, { recursive: true });
  const config = path.join(dataDir, 'hub-publish.yml');
  fs.writeFileSync(
    config,
    `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${storage}\nhttp:\n  addr: 127.0.0.1:${PORT}\n`,
  );
  const registry = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
  try {
    await waitFor(`http://127.0.0.1:${PORT}/v2/`, 10_000);
    for (const [name, tag] of pending) {
      const target = `127.0.0.1:${PORT}/library/${name}:latest`;
      info(`publishing ${name} (${tag})`);
      await run('docker', ['tag', tag, target], { quiet: true });
      await run('docker', ['push', target], { label: `docker push ${name}`, quiet: true });
      await run('docker', ['rmi', target], { quiet: true });
      published[name] = tag;
    }
  } finally {
    registry.kill('SIGTERM');
  }
  fs.writeFileSync(recordFile, JSON.stringify(published, null, 2));
}
