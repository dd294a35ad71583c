// The snapshot file: a 32-byte header, then the SQLite image from db.export().
//
//   0  magic "SCSNAP01"
//   8  u32 format version (1)
//  12  u32 crc32 of bytes 16..end (the rest of the header and the image)
//  16  u64 last journal sequence number contained in the image
//  24  u64 image length
//  32  image
//
// Written to a temp file, fsync'd, renamed over the old one, folder fsync'd:
// a reader sees the old snapshot or the new one, never a mixture.
//
// The image goes out in chunks, each fdatasync'd before the next is written:
// snapshots are written while the journal appends, and on ext4 (data=ordered)
// a journal fdatasync that comes during one big fsync of the image waits for
// all of it to reach the disk (tens of ms for 16 MiB; README.md, "Snapshot
// trigger and write"). With chunks it waits for one chunk at most.

import { crc32 } from 'node:zlib';
import { join } from 'node:path';
import { FILE_MODE, type StoreFileSystem } from './store-fs.ts';

export const SNAPSHOT_FILE = 'snapshot.sqlite';
export const SNAPSHOT_TEMP_PREFIX = `${SNAPSHOT_FILE}.tmp`;
export const SNAPSHOT_HEADER_BYTES = 32;
export const SNAPSHOT_CHUNK_BYTES = 1024 * 1024;
const MAGIC = new TextEncoder().encode('SCSNAP01');
const FORMAT_VERSION = 1;

export interface Snapshot {
  lastSeq: number;
  image: Uint8Array;
}

export interface SnapshotDamage {
  offset: number;
  reason: string;
}

/** The header without its checksum, and the checksum's starting value (the CRC-32 of bytes 16..32). */
function headerFor(imageLength: number, lastSeq: number): { header: Uint8Array; crc: number } {
  const header = new Uint8Array(SNAPSHOT_HEADER_BYTES);
  const view = new DataView(header.buffer);
  header.set(MAGIC, 0);
  view.setUint32(8, FORMAT_VERSION);
  view.setBigUint64(16, BigInt(lastSeq));
  view.setBigUint64(24, BigInt(imageLength));
  return { header, crc: crc32(header.subarray(16)) };
}

function setChecksum(header: Uint8Array, crc: number): Uint8Array {
  new DataView(header.buffer, header.byteOffset).setUint32(12, crc);
  return header;
}


/** Checks a snapshot file's bytes: the snapshot, or where and why it is damaged. */
export function decodeSnapshot(bytes: Uint8Array): Snapshot | SnapshotDamage {
  if (bytes.length < SNAPSHOT_HEADER_BYTES) {
    return { offset: bytes.length, reason: `file is ${bytes.length} bytes, shorter than its ${SNAPSHOT_HEADER_BYTES}-byte header` };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, SNAPSHOT_HEADER_BYTES);
  if (!MAGIC.every((b, i) => bytes[i] === b)) return { offset: 0, reason: 'bad magic' };
  if (view.getUint32(8) !== FORMAT_VERSION) return { offset: 8, reason: `unknown format version ${view.getUint32(8)}` };
  const length = view.getBigUint64(24);
  if (length !== BigInt(bytes.length - SNAPSHOT_HEADER_BYTES)) {
    return { offset: 24, reason: `header says ${length} image bytes, file holds ${bytes.length - SNAPSHOT_HEADER_BYTES}` };
  }
  if (crc32(bytes.subarray(16)) !== view.getUint32(12)) {
    return { offset: 12, reason: `checksum at byte offset 12 does not match bytes 16..${bytes.length}` };
  }
  return { lastSeq: Number(view.getBigUint64(16)), image: bytes.subarray(SNAPSHOT_HEADER_BYTES) };
}

export function isSnapshotDamage(value: Snapshot | SnapshotDamage): value is SnapshotDamage {
  return 'reason' in value;
}

/**
 * Replaces dir/snapshot.sqlite atomically and durably. On failure the temp
 * file is removed and the old snapshot is untouched.
 */
export async function writeSnapshot(fs: StoreFileSystem, dir: string, image: Uint8Array, lastSeq: number): Promise<void> {
  const temp = join(dir, SNAPSHOT_TEMP_PREFIX);
  const file = await fs.open(temp, 'truncate', FILE_MODE);
  try {
    // The checksum is computed a chunk at a time too (34 ms of event loop for a 136 MiB image in one go);
    // the header that holds it goes last, before the fsync that the rename waits for.
    const start = headerFor(image.length, lastSeq);
    let crc = start.crc;
    for (let at = 0; at < image.length; at += SNAPSHOT_CHUNK_BYTES) {
      if (at > 0) await file.datasync();
      const chunk = image.subarray(at, at + SNAPSHOT_CHUNK_BYTES);
      crc = crc32(chunk, crc);
      await file.write(chunk, SNAPSHOT_HEADER_BYTES + at);
    }
    await file.write(setChecksum(start.header, crc), 0);
    await file.sync();
  } catch (error) {
    await file.close().catch(() => {});
    await fs.unlink(temp).catch(() => {});
    throw error;
  }
  try {
    await file.close();
    await fs.rename(temp, join(dir, SNAPSHOT_FILE));
  } catch (error) {
    await fs.unlink(temp).catch(() => {});
    throw error;
  }
  await fs.syncDir(dir);
}

/** A temp file left by a crash mid-snapshot: never loaded, deleted at open. */
export function isSnapshotTemp(name: string): boolean {
  return name.startsWith(SNAPSHOT_TEMP_PREFIX);
}
