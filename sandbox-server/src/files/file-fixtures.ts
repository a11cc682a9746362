import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecResult } from '../../../engine/src/sandbox.ts';
import { MAX_OUTPUT } from '../runtime/sandbox-runtime.ts';

/**
 * A machine for FakeRuntime.answer whose file commands really run: each script goes to this host's
 * `sh -c` (as a real machine's would, one argument, so Linux's 128 KiB limit on it holds too),
 * with a fresh folder standing in for the learner's home; `outside` is a folder beside it, for
 * symlinks that lead out. It needs GNU coreutils and findutils, as the sandbox image has. A script
 * that prints more than the runtime keeps (MAX_OUTPUT) fails the spec.
 */
export function shellMachine() {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'dockyard-files-')));
  const home = join(root, 'home', 'learner');
  const outside = join(root, 'outside');
  mkdirSync(home, { recursive: true });
  mkdirSync(outside);
  const scripts: string[] = [];
  const answer = (script: string): Promise<Partial<ExecResult>> => {
    scripts.push(script);
    return new Promise((resolve, reject) => {
      execFile(
        'sh',
        ['-c', script],
        { cwd: home, encoding: 'utf8', maxBuffer: 16 * MAX_OUTPUT },
        (err, stdout, stderr) => {
          if (err && typeof err.code !== 'number') return reject(err);
          if (stdout.length + stderr.length > MAX_OUTPUT)
            return reject(new Error(`A script printed ${stdout.length} bytes, over what the runtime keeps.`));
          resolve({ exitCode: err ? (err.code as number) : 0, stdout, stderr });
        },
      );
    });
  };
  return { home, outside, scripts, answer, remove: () => rmSync(root, { recursive: true, force: true }) };
}
