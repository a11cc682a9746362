import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Runs the host's docker CLI; never throws, returns the exit code and output. */
export async function docker(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('docker', args, { maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Runs a script inside a session's sandbox as the learner (or root). */
export async function inSandbox(sessionId: string, script: string, user = 'learner') {
  return docker('exec', '-u', user, `dockyard-${sessionId}`, 'sh', '-c', script);
}

/** Names of containers, volumes and networks labelled with a session. */
export async function leftovers(sessionId: string): Promise<string[]> {
  const filter = `label=dockyard.session=${sessionId}`;
  const out = await Promise.all([
    docker('ps', '-aq', '--filter', filter),
    docker('volume', 'ls', '-q', '--filter', filter),
    docker('network', 'ls', '-q', '--filter', filter),
  ]);
  return out.flatMap((r) => r.stdout.split('\n').filter(Boolean));
}
