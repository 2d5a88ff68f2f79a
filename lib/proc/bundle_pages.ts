/**
 * The pages of the JavaScript bundle inside the executable. `bun build --compile` puts the
 * program's modules in the executable's `.bun` section, which the linker places in a
 * writable segment (a zero-initialised global given a section), so the start-up drop of
 * the read-only mappings (startup_pages.ts) never touches it: 4 MiB of an idle node's
 * resident set are the bundle's pages read while it started. Bun reads the bundle and
 * never writes it; still, in a writable private mapping a page written becomes the
 * process's own, and dropping it would lose the write. So only the pages that
 * /proc/self/pagemap shows resident and still the file's (not a private copy) are dropped;
 * what is read again comes back from the page cache.
 *
 * @module
 */
import { closeSync, openSync, readSync } from "node:fs";
import type { PageRange } from "./startup_pages.ts";

/** An address range of the executable as the ELF section headers give it. */
export interface Section {
  addr: bigint;
  size: bigint;
}

const PAGE = 4096n;

/**
 * The address range of section `name` of an ELF64 little-endian executable that is not
 * position-independent (ET_EXEC: its sections' addresses are where they are mapped), read
 * through `read(offset, length)`; undefined for anything else (another format, a PIE, no
 * such section). Pure but for `read`.
 *
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * const exe = readFileSync("/proc/self/exe");
 * elfSection((off, len) => exe.subarray(off, off + len), ".bun"); // { addr: 111288320n, size: 5730781n }
 * ```
 */
export function elfSection(read: (offset: number, length: number) => Uint8Array, name: string): Section | undefined {
  const head = view(read(0, 64));
  // "\x7fELF", 64-bit, little-endian, ET_EXEC
  if (head.byteLength < 64 || head.getUint32(0) !== 0x7f454c46 || head.getUint8(4) !== 2 || head.getUint8(5) !== 1) return undefined;
  if (head.getUint16(16, true) !== 2) return undefined;
  const shoff = Number(head.getBigUint64(40, true));
  const shentsize = head.getUint16(58, true);
  const shnum = head.getUint16(60, true);
  const shstrndx = head.getUint16(62, true);
  if (shentsize < 64 || shnum === 0 || shstrndx >= shnum) return undefined;
  const table = view(read(shoff, shnum * shentsize));
  if (table.byteLength < shnum * shentsize) return undefined;
  const field = (i: number, at: number) => table.getBigUint64(i * shentsize + at, true);
  const names = read(Number(field(shstrndx, 24)), Number(field(shstrndx, 32)));
  const wanted = new TextEncoder().encode(`${name}\0`);
  for (let i = 0; i < shnum; i++) {
    const at = table.getUint32(i * shentsize, true);
    if (wanted.every((b, k) => names[at + k] === b)) return { addr: field(i, 16), size: field(i, 32) };
  }
  return undefined;
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** pagemap bits: the page is resident; it is a page of a file (or shared), not a private copy. */
const PRESENT = 1n << 63n;
const FILE_PAGE = 1n << 61n;

/**
 * The runs of pages that can be dropped and read back unchanged, from the pagemap entries
 * (one u64 per page, from /proc/self/pagemap) of the pages from `start`: resident and
 * still the file's. A page not resident is left alone (a private copy swapped out shows
 * so). Pure.
 *
 * @example
 * ```ts
 * fileRuns(new BigUint64Array([(1n << 63n) | (1n << 61n), 1n << 63n]), 0x1000n); // [{ start: 0x1000n, end: 0x2000n }]
 * ```
 */
export function fileRuns(entries: BigUint64Array, start: bigint): PageRange[] {
  const runs: PageRange[] = [];
  let from: bigint | undefined;
  for (let i = 0; i <= entries.length; i++) {
    const e = entries[i];
    const clean = e !== undefined && (e & PRESENT) !== 0n && (e & FILE_PAGE) !== 0n;
    const at = start + BigInt(i) * PAGE;
    if (clean && from === undefined) from = at;
    if (!clean && from !== undefined) {
      runs.push({ start: from, end: at });
      from = undefined;
    }
  }
  return runs;
}

/** The `.bun` section of this process's executable, rounded inward to whole pages; undefined when there is none to use. */
export function bundleRange(): PageRange | undefined {
  const fd = openSync("/proc/self/exe", "r");
  try {
    const section = elfSection((offset, length) => {
      const buf = new Uint8Array(length);
      return buf.subarray(0, readSync(fd, buf, 0, length, offset));
    }, ".bun");
    if (!section) return undefined;
    const start = ((section.addr + PAGE - 1n) / PAGE) * PAGE;
    const end = ((section.addr + section.size) / PAGE) * PAGE;
    return end > start ? { start, end } : undefined;
  } finally {
    closeSync(fd);
  }
}

/** The runs of the bundle's pages that are resident and still the file's now ({@link fileRuns} of /proc/self/pagemap). */
export function bundleFileRuns(range: PageRange): PageRange[] {
  const pages = Number((range.end - range.start) / PAGE);
  const entries = new BigUint64Array(pages);
  const fd = openSync("/proc/self/pagemap", "r");
  try {
    const bytes = new Uint8Array(entries.buffer);
    const got = readSync(fd, bytes, 0, bytes.byteLength, Number((range.start / PAGE) * 8n));
    return fileRuns(entries.subarray(0, Math.floor(got / 8)), range.start);
  } finally {
    closeSync(fd);
  }
}
