// The shell the file routes run in the learner's machine, as the learner. No text from a request is
// ever part of the shell source as such: a path and file content travel base64 (whose letters are
// safe in single quotes) and are decoded into variables; mtimes and temporary file names are
// checked against a strict pattern first. Each script resolves the path with `realpath` inside
// the machine, so a symlink (or a folder that is one) leading out of home is refused there.

/** How a script ends, when it does not succeed: the routes turn each into a sentence. */
export const EXIT = {
  outsideHome: 3,
  notFound: 4,
  notADirectory: 5,
  notAFile: 6,
  changed: 7,
  deleted: 8,
  permissionDenied: 9,
  noParent: 10,
  unresolvable: 70,
  writeFailed: 71,
} as const;

/**
 * Raw bytes of content per command: a script is one argument of `sh -c`, and Linux refuses any
 * one argument over 128 KiB (MAX_ARG_STRLEN), so a larger save goes over in pieces.
 */
export const WRITE_CHUNK_BYTES = 72 * 1024;

/**
 * Raw bytes of a file per read: the runtime keeps at most 1 MiB of a command's output, and base64
 * makes 512 KiB into 683 KiB.
 */
export const READ_CHUNK_BYTES = 512 * 1024;

const b64 = (text: string | Buffer) => Buffer.from(text).toString('base64');

function safeHome(home: string): string {
  if (!/^\/[A-Za-z0-9._/-]+$/.test(home)) throw new Error(`Unsafe home folder ${home}`);
  return home;
}

/** Sets `$r` to the real path of the (base64) path, or ends: outside home, or not resolvable. */
function resolve(path: string, home: string): string {
  // `$(…)` drops trailing newlines, which a file name may have: an `x` after keeps them.
  return [
    'set -u',
    `h=$(realpath -m -- '${safeHome(home)}' && echo x) || exit ${EXIT.unresolvable}`,
    'h=${h%?x}',
    `p=$(printf %s '${b64(path)}' | base64 -d && echo x) || exit ${EXIT.unresolvable}`,
    'p=${p%x}',
    `r=$(realpath -m -- "$p" 2>/dev/null && echo x) || exit ${EXIT.unresolvable}`,
    'r=${r%?x}',
    `case "$r" in "$h"|"$h"/*) ;; *) exit ${EXIT.outsideHome} ;; esac`,
  ].join('\n');
}

/** At most this many entries of one folder are listed. */
export const MAX_ENTRIES = 2000;

/** Lists a folder: `<type>\t<size>\t<name>\0` per entry, type as find's `%y` (f, d, l, …). */
export function listScript(path: string, home: string): string {
  return [
    resolve(path, home),
    `[ -e "$r" ] || exit ${EXIT.notFound}`,
    `[ -d "$r" ] || exit ${EXIT.notADirectory}`,
    `{ [ -r "$r" ] && [ -x "$r" ]; } || exit ${EXIT.permissionDenied}`,
    // One more than kept, so the route knows the folder had more.
    `find "$r" -mindepth 1 -maxdepth 1 -printf '%y\\t%s\\t%f\\0' 2>/dev/null | head -z -n ${MAX_ENTRIES + 1}`,
  ].join('\n');
}

/**
 * Reads `count` bytes of a file from `offset`: a first line `<writable 0|1> <size> <mtime>`, then
 * those bytes in base64.
 */
export function readScript(path: string, home: string, offset: number, count: number): string {
  return [
    resolve(path, home),
    `[ -e "$r" ] || exit ${EXIT.notFound}`,
    `[ -f "$r" ] || exit ${EXIT.notAFile}`,
    `[ -r "$r" ] || exit ${EXIT.permissionDenied}`,
    'w=1; [ -w "$r" ] || w=0',
    `m=$(find "$r" -maxdepth 0 -printf '%s %T@') || exit ${EXIT.unresolvable}`,
    `printf '%s %s\\n' "$w" "$m"`,
    `tail -c +${Math.trunc(offset) + 1} -- "$r" | head -c ${Math.trunc(count)} | base64 -w0`,
  ].join('\n');
}

/** A temporary file's name as mktemp made it (the only kind a script accepts back). */
export const TEMP_FILE = /^\/tmp\/dockyard-edit\.[A-Za-z0-9]{10}$/;

/** Starts a large save: a temporary file with the first piece; prints its name. */
export function startTempScript(piece: Buffer): string {
  return [
    'set -u',
    `t=$(mktemp /tmp/dockyard-edit.XXXXXXXXXX) || exit ${EXIT.writeFailed}`,
    `printf %s '${b64(piece)}' | base64 -d > "$t" || { rm -f "$t"; exit ${EXIT.writeFailed}; }`,
    `printf %s "$t"`,
  ].join('\n');
}

function checkedTemp(temp: string): string {
  if (!TEMP_FILE.test(temp)) throw new Error(`Not a temporary file of ours: ${temp}`);
  return temp;
}

/** Appends a piece to a large save's temporary file. */
export function appendTempScript(temp: string, piece: Buffer): string {
  return [
    `t='${checkedTemp(temp)}'`,
    `{ [ -f "$t" ] && [ ! -L "$t" ]; } || exit ${EXIT.writeFailed}`,
    `printf %s '${b64(piece)}' | base64 -d >> "$t" || exit ${EXIT.writeFailed}`,
  ].join('\n');
}

/** Removes a large save's temporary file (after a failure on the way). */
export function removeTempScript(temp: string): string {
  return `rm -f '${checkedTemp(temp)}'`;
}

/** An mtime as find's `%T@` prints it; anything else is never put in a script. */
export const MTIME = /^[0-9]{1,20}(\.[0-9]{1,10})?$/;

/**
 * Saves a file: the content (small) or the temporary file a large save filled. With
 * `expectedMtime`, the file must still be there, unchanged since; without, a missing file is
 * made (its folder must exist). Prints `<size> <mtime>` of the saved file.
 */
export function writeScript(
  path: string,
  home: string,
  source: { content: Buffer } | { temp: string },
  expectedMtime: string | undefined,
): string {
  if (expectedMtime !== undefined && !MTIME.test(expectedMtime))
    throw new Error(`Not an mtime: ${expectedMtime}`);
  const write =
    'content' in source ? `printf %s '${b64(source.content)}' | base64 -d > "$r"` : `cat -- "$t" > "$r"`;
  return [
    resolve(path, home),
    ...('temp' in source ? [`t='${checkedTemp(source.temp)}'`, `trap 'rm -f "$t"' EXIT`] : []),
    `e='${expectedMtime ?? ''}'`,
    `[ -d "$r" ] && exit ${EXIT.notAFile}`,
    'if [ -e "$r" ]; then',
    `  [ -f "$r" ] || exit ${EXIT.notAFile}`,
    `  if [ -n "$e" ]; then [ "$(find "$r" -maxdepth 0 -printf '%T@')" = "$e" ] || exit ${EXIT.changed}; fi`,
    `  [ -w "$r" ] || exit ${EXIT.permissionDenied}`,
    'else',
    `  [ -n "$e" ] && exit ${EXIT.deleted}`,
    `  [ -d "\${r%/*}" ] || exit ${EXIT.noParent}`,
    `  [ -w "\${r%/*}" ] || exit ${EXIT.permissionDenied}`,
    'fi',
    `${write} || exit ${EXIT.writeFailed}`,
    `find "$r" -maxdepth 0 -printf '%s %T@'`,
  ].join('\n');
}
