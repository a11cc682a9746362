import { deflateRawSync } from 'node:zlib';
import { crc32 } from '../import/safe-unzip.ts';

// Builds zips for the importer's specs with Node's zlib, the library the reader uses. Each entry may
// lie about itself (its declared size, its type) so that the specs can forge the uploads the reader
// must refuse.

export interface ZipEntry {
  name: string;
  /** The content; a string is written as UTF-8. Folders (names ending in `/`) have none. */
  data?: string | Uint8Array;
  /** Store instead of deflating. */
  stored?: boolean;
  /** The uncompressed size written in the zip, instead of the true one. */
  declaredSize?: number;
  /** A Unix file mode, e.g. 0o120777 for a symbolic link (whose data is the target). */
  mode?: number;
  /** Set the "encrypted" flag. */
  encrypted?: boolean;
}

/** A zip holding `entries`, in order. */
export function makeZip(entries: ZipEntry[]): Uint8Array {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const raw =
      typeof entry.data === 'string' ? Buffer.from(entry.data, 'utf8') : Buffer.from(entry.data ?? []);
    const stored = entry.stored === true || entry.name.endsWith('/');
    const body = stored ? raw : deflateRawSync(raw);
    const crc = crc32(raw);
    const size = entry.declaredSize ?? raw.byteLength;
    const flags = 0x0800 | (entry.encrypted ? 0x1 : 0);
    const method = stored ? 0 : 8;

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.byteLength, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.byteLength, 26);
    locals.push(local, name, body);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by Unix, so the mode below is read
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.byteLength, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.byteLength, 28);
    const mode = entry.mode ?? (entry.name.endsWith('/') ? 0o040755 : 0o100644);
    central.writeUInt32LE((mode << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);

    offset += local.byteLength + name.byteLength + body.byteLength;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.byteLength, 12);
  end.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...locals, directory, end]));
}
