// Small process helpers for the set-up scripts (plain ESM: they run before npm dependencies exist).
import { spawn, spawnSync } from 'node:child_process';

/** Prints a step heading such as "[3/7] Building the sandbox image". */
export function step(n, total, text) {
  console.log(`\n\x1b[1m[${n}/${total}] ${text}\x1b[0m`);
}

export function info(text) {
  console.log(`      ${text}`);
}

/** A failure the user can act on: printed as one sentence, exit code 1. */
export class SetupError extends Error {}

/** Runs a command quietly; returns { code, stdout, stderr }. */
export function capture(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...options });
  return {
    code: r.error ? -1 : r.status,
    stdout: r.stdout ?? '',
    stderr: (r.stderr ?? '') + (r.error?.message ?? ''),
  };
}

export function has(cmd) {
  return capture('sh', ['-c', `command -v ${cmd}`]).code === 0;
}

/**
 * Runs a long command, showing its progress: each output line is printed indented, and a
 * heartbeat with the elapsed time appears when it stays quiet.
 */
export function run(cmd, args, { label = cmd, quiet = false, env, cwd, filter } = {}) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(cmd, args, {
      env: { ...process.env, ...env },
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let tail = [];
    let last = Date.now();
    const onLine = (line) => {
      tail.push(line);
      if (tail.length > 30) tail = tail.slice(-30);
      if (!quiet && (!filter || filter(line))) {
        console.log(`      ${line.slice(0, 150)}`);
        last = Date.now();
      }
    };
    for (const stream of [child.stdout, child.stderr]) {
      let buf = '';
      stream.on('data', (d) => {
        buf += d.toString();
        const lines = buf.split(/\r?\n|\r/);
        buf = lines.pop() ?? '';
        lines.filter((l) => l.trim()).forEach(onLine);
      });
    }
    const heartbeat = setInterval(() => {
      if (Date.now() - last > 10_000) {
        console.log(`      … ${label} still running (${Math.round((Date.now() - started) / 1000)}s)`);
        last = Date.now();
      }
    }, 2000);
    child.on('error', (err) => {
      clearInterval(heartbeat);
      reject(new SetupError(`${label} could not run: ${err.message}`));
    });
    child.on('close', (code) => {
      clearInterval(heartbeat);
      if (code === 0) resolve(Math.round((Date.now() - started) / 100) / 10);
      else reject(new SetupError(`${label} failed (exit ${code}). Last output:\n${tail.join('\n')}`));
    });
  });
}
