import type { MemberStatus } from './incus-cluster.ts';
import type { ExecOptions, ExecResult } from '../../../engine/src/sandbox.ts';
import { tmuxSessionName } from '../terminal/terminal-tabs.ts';

/** A command ran past its time and was ended: its sentence is ours, fit for the learner. */
export class CommandTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`The command did not finish within ${timeoutMs / 1000}s.`);
    this.name = 'CommandTimeoutError';
  }
}

/** The machine was stopped, or was going down, when a command was to run in it. */
export class SandboxStoppedError extends Error {
  constructor(detail: string) {
    super('Your machine had stopped.');
    this.name = 'SandboxStoppedError';
    this.cause = detail;
  }
}

/** A sandbox the runtime knows about, found by its labels. */
export interface SandboxInfo {
  sessionId: string;
  running: boolean;
}

/** The command node-pty runs to attach a terminal to the learner's shell. */
export interface AttachCommand {
  file: string;
  args: string[];
  env: Record<string, string>;
}

/** The first machine of every session; a lesson with several adds node2…nodeN. */
export const FIRST_MACHINE = 'node1';

/** The names of a session's machines: node1…nodeN. */
export const machineNames = (machines: number): string[] =>
  Array.from({ length: Math.max(1, machines) }, (_, i) => `node${i + 1}`);

/** How to run one command in a session's sandbox: the engine's options, and on which machine. */
export interface RuntimeExecOptions extends ExecOptions {
  /** `node2`… in a session with several machines; node1 when unset. */
  machine?: string;
}

/** Who attaches a terminal, and how (see `tmuxAttach`). */
export interface AttachOptions {
  /** The machine, in a session with several (`node2`…); node1 when unset. */
  machine?: string;
  /** An instructor beside the learner: detaches no one, and leaves the window at the learner's size. */
  guest?: boolean;
  /** Keystrokes are ignored by tmux (`-r`): an instructor watching. Implies `guest`. */
  readOnly?: boolean;
  /** The learner's terminal tab (1 when unset): its own tmux session (`tmuxSessionName`). */
  tab?: number;
  /**
   * A name for this attach (letters and digits): the client writes its pid and tty to
   * `clientFile(client)`, so `detachClientScript` can end exactly it once its socket closes.
   */
  client?: string;
}

/** Where an attach named `client` leaves its pid and tty for `detachClientScript`. */
export function clientFile(client: string): string {
  if (!/^[A-Za-z0-9]{1,64}$/.test(client)) throw new Error(`Bad terminal client name "${client}".`);
  return `/tmp/dockyard-client-${client}`;
}

/**
 * What runs in the sandbox, as the learner, to attach to one of their shells: the tmux session of
 * the tab (`main` for tab 1), made on the first attach, so the shell survives any client going away.
 * No attach detaches another: the same session opened in two browser tabs shows the same shell in
 * both (as Educates does), and tmux's `window-size latest` (/etc/tmux.conf) sizes the window to the
 * client used last. An instructor's attach carries tmux's `ignore-size` flag, so it never resizes
 * the learner's window. A closed socket may leave its tmux client behind (`docker exec` does not
 * end it): a learner's attach names itself (`client`), and the bridge detaches that client with
 * `detachClientScript` when its socket closes.
 */
export function tmuxAttach(options: AttachOptions = {}): string[] {
  const session = tmuxSessionName(options.tab ?? 1);
  if (options.guest || options.readOnly)
    return [
      'tmux',
      '-u',
      'new-session',
      '-A',
      '-s',
      session,
      '-f',
      options.readOnly ? 'read-only,ignore-size' : 'ignore-size',
    ];
  const attach = `exec tmux -u new-session -A -s ${session}`;
  if (options.client === undefined) return ['tmux', '-u', 'new-session', '-A', '-s', session];
  // `exec` keeps the pid: the shell's $$ is the tmux client's.
  return ['sh', '-c', `echo "$$ $(tty)" > ${clientFile(options.client)}; ${attach}`];
}

/**
 * Detaches the tmux client an attach named `client` left, if it is still the same one (its pid
 * and tty both match: a tty freed by a client that ended may already be another's), and forgets it.
 */
export function detachClientScript(client: string): string {
  const file = clientFile(client);
  return (
    `if read -r pid tty < ${file}; then` +
    ` tmux list-clients -F '#{client_pid} #{client_tty}' 2>/dev/null | grep -qxF "$pid $tty" &&` +
    ` tmux detach-client -t "$tty"; fi; rm -f ${file}; true`
  );
}

export interface SandboxLimits {
  memoryBytes: number;
  nanoCpus: number;
  pidsLimit: number;
  /** Size of the sandbox's disk (its whole file system, /var/lib/docker included). */
  diskBytes: number;
}

/**
 * Where learners' machines run: the Incus driver (unprivileged system containers, the default)
 * or the Docker driver (trusted learners on their own machine).
 */
export interface SandboxRuntime {
  /** The driver's name, as `GET /api/health` reports it. */
  readonly name: 'incus' | 'docker';
  /**
   * Creates and starts the sandbox of a session (its machines, network and storage): `machines`
   * machines (1 by default) named node1…nodeN, which reach each other by name on a private
   * network of the session's own when there are several. Each has `limits`.
   */
  create(sessionId: string, limits: SandboxLimits, machines?: number): Promise<void>;
  /** On an Incus cluster: its members, for health; [] on one host. */
  members?(): Promise<MemberStatus[]>;
  /** On an Incus cluster: sessions whose machine sits on a member that went down. */
  stranded?(): Promise<string[]>;
  /** Whether every machine of the sandbox is running (false when one stopped or is gone). */
  isRunning(sessionId: string): Promise<boolean>;
  /** Stops the sandbox (a clean shutdown, forced after a while); its files are kept. */
  stop(sessionId: string): Promise<void>;
  /** Starts a stopped sandbox again (after a poweroff or a crash); its files are kept. */
  start(sessionId: string): Promise<void>;
  /** Resolves once every machine of the sandbox passes the ready probe; rejects after timeoutMs. */
  waitUntilReady(sessionId: string, timeoutMs: number): Promise<void>;
  /**
   * Runs a script in the sandbox with `sh -c`. Never throws for a non-zero exit; throws a
   * SandboxStoppedError when the machine is stopped or going down.
   */
  exec(sessionId: string, script: string, options?: RuntimeExecOptions): Promise<ExecResult>;
  /** The sandbox's IP address on its own bridge, which the host reaches directly (port preview). */
  sandboxAddress(sessionId: string): Promise<string>;
  /** How to attach a terminal to the session's persistent shell (the learner's, or a guest's). */
  attachCommand(sessionId: string, options?: AttachOptions): AttachCommand;
  /** Removes everything the session owns. Idempotent. */
  remove(sessionId: string): Promise<void>;
  /** Every sandbox this runtime left on the host, running or not. */
  list(): Promise<SandboxInfo[]>;
  /** Removes networks and volumes labelled as Dockyard's whose session has no sandbox any more. */
  removeOrphans(keep: Set<string>): Promise<number>;
}

/** At most this much of a command's output (stdout and stderr together) is kept. */
export const MAX_OUTPUT = 1024 * 1024;

/**
 * Collects a command's stdout and stderr, keeping the first MAX_OUTPUT bytes of the two and
 * reading (and dropping) the rest, so a chatty command runs to its own end and exit code.
 */
export function boundedOutput(): {
  stdout: (chunk: Buffer) => void;
  stderr: (chunk: Buffer) => void;
  text: () => { stdout: string; stderr: string };
} {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let size = 0;
  const collect = (into: Buffer[]) => (chunk: Buffer) => {
    if (size < MAX_OUTPUT) into.push(chunk.subarray(0, MAX_OUTPUT - size));
    size += chunk.length;
  };
  return {
    stdout: collect(out),
    stderr: collect(err),
    text: () => ({
      stdout: Buffer.concat(out).toString('utf8'),
      stderr: Buffer.concat(err).toString('utf8'),
    }),
  };
}

/**
 * What a machine must have before its learner gets a prompt: the lab set-up done (hub CA, package
 * proxy, the learner's Docker config) and Docker's socket listening. The engine itself starts on
 * the first `docker` command (socket activation), so the prompt never waits for dockerd.
 */
const READY = 'test -S /run/docker.sock && systemctl is-active --quiet dockyard-lab.service';

/** The probe, run once inside the machine: it waits there, checking every 50 ms, for `seconds`. */
export const readyProbe = (seconds: number): string =>
  `i=0; while [ $i -lt ${Math.max(1, Math.ceil(seconds * 20))} ]; do if ${READY}; then echo ready; exit 0; fi; sleep 0.05; i=$((i+1)); done; exit 1`;

/**
 * Resolves once the sandbox passes the ready probe; rejects after timeoutMs with the machine's last
 * words. The probe waits inside the machine, so a booting machine costs one exec, not one every
 * 100 ms: in a room arriving at once, those execs (a CLI process and a forked exec in Incus each)
 * took more CPU than the boots. Shared by every driver's waitUntilReady.
 */
export async function waitForSandboxReady(
  exec: (script: string, options: ExecOptions) => Promise<ExecResult>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    const result = await exec(readyProbe(left / 1000), { timeoutMs: left + 5000 }).catch((err: Error) => ({
      exitCode: -1,
      stdout: '',
      stderr: err.message,
    }));
    if (result.exitCode === 0 && result.stdout.includes('ready')) return;
    last = result.stderr.trim() || "the lab set-up or Docker's socket is not there yet";
    // The machine's init may not take an exec yet: ask again shortly.
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`The sandbox did not finish booting within ${timeoutMs / 1000}s: ${last}`);
}
