/**
 * The store's files as a test sees them from outside: the ids its segments hold on disk,
 * a stored message's bytes damaged in place, and writes that fail on demand.
 *
 * @module
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SegmentLog, type WriteAt } from "../../lib/ring/listen/segment_log.ts";
import { readHead } from "../../lib/ring/listen/segment_format.ts";
import { SEGMENTS_DIR } from "../../lib/ring/listen/store.ts";
import { writeSync } from "node:fs";

/** The ids the store in `dir` holds on disk, in seq order, read by a reader of its own. */
export function storedIds(dir: string): string[] {
  const log = SegmentLog.open(join(dir, SEGMENTS_DIR), { readonly: true });
  const ids: string[] = [];
  log.read(0, (r) => void ids.push(r.kind === "row" ? r.row.id : r.id));
  log.close();
  return ids;
}

/** The segment files of the store in `dir`, oldest first. */
export function segmentFiles(dir: string): string[] {
  const at = join(dir, SEGMENTS_DIR);
  return readdirSync(at)
    .filter((n) => n.endsWith(".seg"))
    .sort()
    .map((n) => join(at, n));
}

/** Flips a byte of the last field (content) of the record of `seq` in the store in `dir`; its place in its file. */
export function spoilStored(dir: string, seq: number): { path: string; offset: number } {
  for (const path of segmentFiles(dir)) {
    const bytes = readFileSync(path);
    for (let at = 0, head = readHead(bytes, 0); head; at = head.end, head = readHead(bytes, at)) {
      if (head.seq !== seq) continue;
      bytes[head.end - 1]! ^= 0x20;
      writeFileSync(path, bytes);
      return { path, offset: head.end - 1 };
    }
  }
  throw new Error(`no record of message ${seq} in the store in ${dir}`);
}

/** Segment writes that fail (ENOSPC) while `failing` is set, for `RingStore.open(dir, { writeAt })`. */
export function failingWrites(): { writeAt: WriteAt; failing: boolean } {
  const w = {
    failing: false,
    writeAt: (fd: number, bytes: Uint8Array, position: number) => {
      if (w.failing) throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
      for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done, bytes.length - done, position + done);
    },
  };
  return w;
}
