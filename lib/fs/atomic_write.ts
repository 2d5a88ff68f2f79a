/**
 * Replacing a file atomically: a crash leaves the old file or the new one, whole.
 *
 * @module
 */
import { closeSync, fchmodSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** Options for {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /** Permissions of the new file, applied despite the umask; default 0o644. */
  mode?: number;
  /** fsync the file and its folder before returning, so the new content survives power loss. */
  durable?: boolean;
}

/**
 * Writes `data` to a fresh temp file beside `path` (created exclusively, so it never
 * inherits an older file's permissions), then renames it over `path`.
 *
 * @throws {Error} when the folder is not writable; the temp file is removed
 * @example
 * ```ts
 * writeFileAtomic("/var/lib/zeus/state.json", JSON.stringify({ version: 1 }), { durable: true });
 * ```
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const bytes = typeof data === "string" ? Buffer.from(data) : data;
  const mode = opts.mode ?? 0o644;
  try {
    const fd = openSync(tmp, "wx", mode);
    try {
      fchmodSync(fd, mode);
      for (let off = 0; off < bytes.byteLength;) off += writeSync(fd, bytes, off);
      if (opts.durable) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  if (opts.durable) {
    const dirFd = openSync(dirname(path), "r");
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  }
}

/**
 * {@link writeFileAtomic} off the event loop: the writes, fsyncs and rename run on the I/O
 * threads, so that a large durable file (zeus's state of 100 000 copies: tens of MB, fsync
 * included) does not stop the loop meanwhile. Same guarantees once it resolves.
 *
 * @throws {Error} when the folder is not writable; the temp file is removed
 * @example
 * ```ts
 * await writeFileAtomicAsync("/var/lib/zeus/state.json", JSON.stringify({ version: 1 }), { durable: true });
 * ```
 */
export async function writeFileAtomicAsync(path: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const bytes = typeof data === "string" ? Buffer.from(data) : data;
  const mode = opts.mode ?? 0o644;
  try {
    const fh = await open(tmp, "wx", mode);
    try {
      await fh.chmod(mode);
      for (let off = 0; off < bytes.byteLength;) off += (await fh.write(bytes, off)).bytesWritten;
      if (opts.durable) await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  if (!opts.durable) return;
  const dir = await open(dirname(path), "r");
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
