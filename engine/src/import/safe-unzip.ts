import { inflateRawSync } from 'node:zlib';
import { ImportError } from './import-error.ts';

// Reads a zip that a stranger uploaded, with no trust in what it declares. A zip is a list of
// entries and, at its end, a central directory giving each entry's name, sizes, checksum and place.
// Node's zlib inflates; the container format is read here (a few dozen lines) rather than by a
// dependency, so that every limit is checked where the bytes are: the upload's size, the number of
// entries, the sizes each entry declares, and the bytes actually inflated, entry by entry, so that
// an entry that lies about its size (a zip bomb) is stopped at the size it declared.

/** What an upload may hold. */
export interface UnzipLimits {
  /** The largest zip accepted, compressed. */
  maxZipBytes: number;
  /** The most entries (files and folders) the zip may list. */
  maxEntries: number;
  /** The most bytes all files together may unpack to. */
  maxTotalBytes: number;
}

export const defaultUnzipLimits: UnzipLimits = {
  maxZipBytes: 50 * 1024 * 1024,
  maxEntries: 500,
  maxTotalBytes: 20 * 1024 * 1024,
};

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_FILE_HEADER = 0x02014b50;
const LOCAL_FILE_HEADER = 0x04034b50;
const STORED = 0;
const DEFLATED = 8;
const MADE_BY_UNIX = 3;
const FILE_TYPE_MASK = 0o170000;
const REGULAR_FILE = 0o100000;
const DIRECTORY = 0o040000;
const SYMLINK = 0o120000;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The files of a zip, by normalised relative path (folders are left out). Throws an `ImportError`
 * naming the zip, or the entry at fault, for anything over a limit, unsafe or malformed: paths with
 * `..`, absolute paths, backslashes, symlinks and other special files, encryption, compression
 * other than deflate, ZIP64, sizes that differ from those declared, and bad checksums.
 */
export function safeUnzip(
  zip: Uint8Array,
  zipName = 'upload.zip',
  limits: UnzipLimits = defaultUnzipLimits,
): Map<string, Uint8Array> {
  if (zip.byteLength > limits.maxZipBytes) {
    throw new ImportError(
      zipName,
      `The zip is ${megabytes(zip.byteLength)}; the limit is ${megabytes(limits.maxZipBytes)}.`,
    );
  }
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const corrupt = (why: string): ImportError => new ImportError(zipName, `Not a readable zip: ${why}.`);
  const u16 = (at: number): number => {
    if (at < 0 || at + 2 > zip.byteLength) throw corrupt('it ends too soon');
    return view.getUint16(at, true);
  };
  const u32 = (at: number): number => {
    if (at < 0 || at + 4 > zip.byteLength) throw corrupt('it ends too soon');
    return view.getUint32(at, true);
  };

  const end = findEndOfCentralDirectory(zip, view);
  if (end < 0) throw corrupt('no central directory at its end');
  const declaredEntries = u16(end + 10);
  const directorySize = u32(end + 12);
  const directoryOffset = u32(end + 16);
  if (u16(end + 4) !== 0 || u16(end + 6) !== 0 || u16(end + 8) !== declaredEntries) {
    throw new ImportError(zipName, 'Zips split over several files are not supported.');
  }
  if (declaredEntries === 0xffff || directoryOffset === 0xffffffff || directorySize === 0xffffffff) {
    throw new ImportError(zipName, 'ZIP64 archives are not supported; make an ordinary zip.');
  }
  if (declaredEntries > limits.maxEntries) {
    throw new ImportError(
      zipName,
      `The zip has ${declaredEntries} entries; the limit is ${limits.maxEntries}.`,
    );
  }
  if (directoryOffset + directorySize > end) throw corrupt('its central directory is out of place');

  interface Entry {
    name: string;
    path: string;
    method: number;
    crc: number;
    compressedSize: number;
    size: number;
    localOffset: number;
  }
  const entries: Entry[] = [];
  const seen = new Set<string>();
  let declaredTotal = 0;
  let at = directoryOffset;
  for (let index = 0; at < directoryOffset + directorySize; index++) {
    if (index >= limits.maxEntries) {
      throw new ImportError(zipName, `The zip has more than ${limits.maxEntries} entries.`);
    }
    if (u32(at) !== CENTRAL_FILE_HEADER) throw corrupt('a damaged central directory');
    const madeBy = u16(at + 4) >> 8;
    const flags = u16(at + 8);
    const method = u16(at + 10);
    const crc = u32(at + 16);
    const compressedSize = u32(at + 20);
    const size = u32(at + 24);
    const nameLength = u16(at + 28);
    const extraLength = u16(at + 30);
    const commentLength = u16(at + 32);
    const mode = u32(at + 38) >>> 16;
    const localOffset = u32(at + 42);
    if (at + 46 + nameLength > zip.byteLength) throw corrupt('it ends too soon');
    const name = decodeName(zip.subarray(at + 46, at + 46 + nameLength), zipName);
    at += 46 + nameLength + extraLength + commentLength;

    const path = normaliseEntryPath(name);
    const isFolder = name.endsWith('/');
    const type = madeBy === MADE_BY_UNIX ? mode & FILE_TYPE_MASK : 0;
    if (type === SYMLINK) {
      throw new ImportError(name, 'The zip holds a symbolic link; put the file itself in the zip.');
    }
    if (type !== 0 && type !== REGULAR_FILE && type !== DIRECTORY) {
      throw new ImportError(
        name,
        'The zip holds a special file (a device or a pipe); only files are accepted.',
      );
    }
    if (seen.has(path)) throw new ImportError(name, 'The zip holds two entries with this path.');
    seen.add(path);
    if (isFolder || type === DIRECTORY) continue;
    if (flags & 0x1) throw new ImportError(name, 'The entry is encrypted; make a zip without a password.');
    if (method !== STORED && method !== DEFLATED) {
      throw new ImportError(
        name,
        `The entry is compressed with method ${method}; only deflate is supported.`,
      );
    }
    if (compressedSize === 0xffffffff || size === 0xffffffff) {
      throw new ImportError(name, 'ZIP64 entries are not supported; make an ordinary zip.');
    }
    declaredTotal += size;
    if (declaredTotal > limits.maxTotalBytes) {
      throw new ImportError(
        zipName,
        `The zip's files would unpack to more than ${megabytes(limits.maxTotalBytes)}, the limit.`,
      );
    }
    entries.push({ name, path, method, crc, compressedSize, size, localOffset });
  }

  const files = new Map<string, Uint8Array>();
  let unpacked = 0;
  for (const entry of entries) {
    const local = entry.localOffset;
    if (u32(local) !== LOCAL_FILE_HEADER)
      throw corrupt(`the entry ${entry.name} is not where it is said to be`);
    const nameLength = u16(local + 26);
    const extraLength = u16(local + 28);
    if (local + 30 + nameLength > zip.byteLength) throw corrupt('it ends too soon');
    const localName = decodeName(zip.subarray(local + 30, local + 30 + nameLength), zipName);
    if (localName !== entry.name) throw corrupt(`the entry ${entry.name} is named differently in two places`);
    const start = local + 30 + nameLength + extraLength;
    if (start + entry.compressedSize > zip.byteLength) throw corrupt(`the entry ${entry.name} is cut short`);
    const compressed = zip.subarray(start, start + entry.compressedSize);
    const data = entry.method === STORED ? compressed : inflate(compressed, entry.size, entry.name);
    if (data.byteLength !== entry.size) {
      throw new ImportError(
        entry.name,
        `The entry unpacks to ${data.byteLength} bytes but declares ${entry.size}: the zip is damaged or forged.`,
      );
    }
    unpacked += data.byteLength;
    if (unpacked > limits.maxTotalBytes) {
      throw new ImportError(
        zipName,
        `The zip's files unpack to more than ${megabytes(limits.maxTotalBytes)}, the limit.`,
      );
    }
    if (crc32(data) !== entry.crc)
      throw new ImportError(entry.name, 'The entry is damaged: its checksum is wrong.');
    files.set(entry.path, data);
  }
  return files;
}

/**
 * The path of a zip entry or an uploaded file, checked and normalised: forward slashes only,
 * relative, no `..`, no empty or `.` segments (a leading `./` is dropped), no control characters.
 * A trailing `/` (a folder) is kept off the result. Throws an `ImportError` naming the path.
 */
export function normaliseEntryPath(name: string): string {
  const problem = (why: string): ImportError => new ImportError(name, `Unsafe path: ${why}.`);
  if (name.includes('\\')) throw problem('it contains a backslash; use forward slashes');
  // eslint-disable-next-line no-control-regex -- control characters are what this looks for
  if (/[\u0000-\u001f\u007f]/.test(name)) throw problem('it contains a control character');
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) throw problem('it is absolute');
  const segments = name.replace(/\/$/, '').split('/');
  const kept: string[] = [];
  for (const [index, segment] of segments.entries()) {
    if (segment === '..') throw problem('it goes up with ".."');
    if (segment === '.' && index === 0) continue;
    if (segment === '' || segment === '.') throw problem('it has an empty or "." segment');
    kept.push(segment);
  }
  if (kept.length === 0) throw problem('it is empty');
  return kept.join('/');
}

function inflate(compressed: Uint8Array, declaredSize: number, name: string): Uint8Array {
  try {
    // The output may not outgrow the declared size: zlib stops there, before it allocates more.
    return inflateRawSync(compressed, { maxOutputLength: Math.max(1, declaredSize) });
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new ImportError(
        name,
        `The entry unpacks to more than the ${declaredSize} bytes it declares: the zip is damaged or forged.`,
      );
    }
    throw new ImportError(name, 'The entry is damaged: it does not inflate.');
  }
}

function findEndOfCentralDirectory(zip: Uint8Array, view: DataView): number {
  // The record is 22 bytes, followed by a comment of at most 65535 bytes.
  const last = zip.byteLength - 22;
  for (let at = last; at >= 0 && at >= last - 0xffff; at--) {
    if (
      view.getUint32(at, true) === END_OF_CENTRAL_DIRECTORY &&
      at + 22 + view.getUint16(at + 20, true) === zip.byteLength
    ) {
      return at;
    }
  }
  return -1;
}

function decodeName(bytes: Uint8Array, zipName: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new ImportError(
      zipName,
      'An entry name is not UTF-8; make the zip with a tool that writes UTF-8 names.',
    );
  }
}

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, '')} MB`;
}

const crcTable = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** The CRC-32 that zip uses (IEEE 802.3). */
export function crc32(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = (crcTable[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
