/**
 * Dropping the executable's start-up pages from the resident set. A Bun executable touches
 * some 30 MB of its own code while it starts (the runtime, the module loader, code that
 * runs once) and keeps those pages mapped: most of an idle node's RSS. Once started, the
 * daemon asks the kernel to unmap the clean pages of its executable (`madvise`
 * MADV_DONTNEED); what runs again faults back in from the page cache, the rest stays out.
 * Only read-only mappings of the executable that hold no page of the process's own (a
 * relocated page is a private copy) are touched: what is dropped is read back from the
 * file's pages, which the kernel will not let anyone rewrite while it runs (ETXTBSY). A
 * file written moments ago (a fresh build) still has dirty page-cache pages: they are
 * the same pages, and dropping the mapping of them is as safe.
 *
 * @module
 */
import type { Logger } from "@logtape/logtape";
import { readFileSync, statSync } from "node:fs";
import { errCode } from "../errors.ts";
import { bundleFileRuns, bundleRange } from "./bundle_pages.ts";

/** An address range of the process. */
export interface PageRange {
  start: bigint;
  end: bigint;
}

/**
 * The mappings of the file with inode `inode` (the executable) in `smaps` (the text of
 * /proc/PID/smaps) that can be dropped and read back unchanged: read-only (`r-xp`,
 * `r--p`), holding no private copy of a page (`Anonymous: 0`). By inode, not path: an executable replaced on disk while it
 * runs (an upgrade) is listed as "PATH (deleted)", and its pages are still its own. Pure.
 *
 * @example
 * ```ts
 * cleanRanges(readFileSync("/proc/self/smaps", "utf8"), statSync("/proc/self/exe").ino); // [{ start, end }, ...]
 * ```
 */
export function cleanRanges(smaps: string, inode: number): PageRange[] {
  const ranges: PageRange[] = [];
  for (const block of smaps.split(/\n(?=[0-9a-f]+-[0-9a-f]+ )/)) {
    // "START-END PERMS OFFSET DEV INODE   PATH"
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ (\d+)/.exec(block);
    if (!head || Number(head[4]) !== inode || (head[3] !== "r-xp" && head[3] !== "r--p")) continue;
    // A page this process wrote (relocations) is its own anonymous copy: dropping it would lose the write.
    if (/^Anonymous:\s+[1-9]/m.test(block)) continue;
    ranges.push({ start: BigInt(`0x${head[1]}`), end: BigInt(`0x${head[2]}`) });
  }
  return ranges;
}

/**
 * Resident memory of this process in KiB (VmRSS); NaN when /proc cannot be read, e.g. with
 * every descriptor taken (a drop then still happens: only its log line lacks the figures).
 */
function rssKiB(): number {
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? Number.NaN);
  } catch {
    return Number.NaN;
  }
}

/** Resident pages of files this process maps in KiB (RssFile: mostly its executable's), NaN when unknown. */
export function fileResidentKiB(): number {
  try {
    return Number(/RssFile:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? Number.NaN);
  } catch {
    return Number.NaN; // no /proc: nothing is ever dropped again
  }
}

/** {@link fileResidentKiB} right after the last drop of the executable's pages (NaN before the first). */
let fileKiBAfterDrop = Number.NaN;

const MADV_DONTNEED = 4;

type Madvise = (start: bigint, length: bigint, advice: number) => number;
let madviseOnce: Promise<Madvise> | undefined;

/** libc's madvise, bound once (bun:ffi is loaded only then: a short-lived command never pays for it). */
function libcMadvise(): Promise<Madvise> {
  madviseOnce ??= import("bun:ffi").then(({ dlopen, FFIType }) => {
    const libc = dlopen("libc.so.6", { madvise: { args: [FFIType.u64, FFIType.u64, FFIType.i32], returns: FFIType.i32 } });
    return libc.symbols.madvise as Madvise;
  });
  return madviseOnce;
}

/**
 * Unmaps the clean pages of this process's executable (Linux with glibc; elsewhere a
 * reason is returned and nothing changes).
 *
 * @returns the resident set before and after, in KiB, or why nothing was dropped
 * @example
 * ```ts
 * const r = await dropStartupPages(); if ("beforeKiB" in r) log.info(`RSS ${r.beforeKiB} -> ${r.afterKiB} KiB`);
 * ```
 */
export async function dropStartupPages(): Promise<{ beforeKiB: number; afterKiB: number; ranges: number } | { skipped: string }> {
  if (process.platform !== "linux") return { skipped: `not on ${process.platform}` };
  let ranges: PageRange[];
  try {
    // Read once: a read-only mapping stays clean, and a drop that reads 100+ KB of smaps
    // again makes garbage whose collection, a second later, brings the collector's pages back.
    ranges = codeRanges ??= cleanRanges(readFileSync("/proc/self/smaps", "utf8"), statSync("/proc/self/exe").ino);
  } catch (e) {
    return { skipped: `cannot read /proc/self/smaps: ${(e as Error).message}` };
  }
  if (ranges.length === 0) return { skipped: "no clean mapping of the executable" };
  let madvise: Madvise;
  try {
    madvise = await libcMadvise();
  } catch (e) {
    return { skipped: `no madvise from libc.so.6: ${(e as Error).message}` };
  }
  const beforeKiB = rssKiB();
  let dropped = 0;
  for (const r of [...ranges, ...bundleRuns()]) if (madvise(r.start, r.end - r.start, MADV_DONTNEED) === 0) dropped++;
  fileKiBAfterDrop = fileResidentKiB();
  return { beforeKiB, afterKiB: rssKiB(), ranges: dropped };
}

/** The clean read-only mappings of the executable ({@link cleanRanges}), found at the first drop. */
let codeRanges: PageRange[] | undefined;

/** The executable's `.bun` section (the JavaScript bundle), found once; null when there is none to use. */
let bundle: PageRange | null | undefined;

/**
 * The runs of the bundle's pages that can be dropped now (bundle_pages.ts), none when
 * they cannot be known: the bundle lies in a writable mapping, so a page is dropped only
 * when /proc/self/pagemap shows it still the file's.
 */
function bundleRuns(): PageRange[] {
  try {
    bundle ??= bundleRange() ?? null;
    return bundle ? bundleFileRuns(bundle) : [];
  } catch (e) {
    // Every descriptor taken for now: this drop leaves the bundle, a later one tries again.
    if (errCode(e) === "EMFILE" || errCode(e) === "ENFILE") return [];
    bundle = null; // no /proc/self/exe or pagemap to read: the bundle's pages stay
    return [];
  }
}

/** A drop's resident set before and after, in MiB with one decimal, for the log. */
function residentMiB(r: { beforeKiB: number; afterKiB: number }): { before: string; after: string } {
  const mib = (kib: number) => (Number.isNaN(kib) ? "?" : (kib / 1024).toFixed(1));
  return { before: mib(r.beforeKiB), after: mib(r.afterKiB) };
}

/** How long after start-up a daemon drops its start-up pages: once it has settled. */
export const SETTLE_MS = 2000;

/**
 * Drops the start-up pages {@link SETTLE_MS} after now (the timer keeps no process alive),
 * and logs what it did.
 *
 * @example
 * ```ts
 * dropStartupPagesSoon(getLogger("zog", "daemon"));
 * ```
 */
export function dropStartupPagesSoon(log: Logger, delayMs = SETTLE_MS): void {
  const timer = setTimeout(async () => {
    const r = await dropStartupPages();
    if ("skipped" in r) return log.debug("start-up pages kept: {why}", { why: r.skipped });
    log.info(
      "start-up pages of the executable dropped from memory: resident {before} -> {after} MiB (code that runs again comes back)",
      residentMiB(r),
    );
  }, delayMs);
  timer.unref?.();
}

/** How often a daemon checks whether it has gone idle. */
export const IDLE_CHECK_MS = 10_000;

/** How soon after a check that found work the next one comes: a load's end is found 2-4 s after it, not 10-20. */
export const BUSY_CHECK_MS = 2000;

/**
 * Quiet checks after the first trim before the deeper one ({@link trimWhenIdle}): about a
 * minute, so a node between bursts of load keeps its compiled code.
 */
export const DEEP_TRIM_CHECKS = 5;

/**
 * Pages of the executable come back after a drop, by idle work alone: those of code run
 * once since (a function compiled, a collection, a failed dial's error path) stay until
 * dropped again. A quiet daemon drops them again once this many KiB came back.
 */
export const REGROWN_KIB = 4096;

/**
 * Whether a quiet daemon drops its executable's pages again: `nowKiB` of them resident
 * against `afterDropKiB` right after the last drop. Pure.
 *
 * @example
 * ```ts
 * regrown(30_000, 18_000); // true
 * regrown(19_000, 18_000); // false
 * ```
 */
export function regrown(nowKiB: number, afterDropKiB: number, limitKiB = REGROWN_KIB): boolean {
  return nowKiB - afterDropKiB >= limitKiB;
}

/** How long JavaScriptCore gets to shrink (it does so once the event loop is idle) before the pages it touched are dropped. */
const SHRINK_SETTLE_MS = 1500;

/** Asks JavaScriptCore to give back what it can once idle: compiled code, empty heap blocks. */
function shrinkEngine(): void {
  // Deprecated in bun-types without a replacement; the only call that lets go of JIT code.
  Bun.shrink();
}

/**
 * Gives memory back once a busy daemon goes quiet: when `activity()` (a counter of work
 * done) has not moved between two checks after moving (checks come every `busyMs` after
 * one that found work, e.g. {@link BUSY_CHECK_MS}, else every {@link IDLE_CHECK_MS}), `release()` lets go of what
 * the daemon's own caches hold (e.g. SQLite's page cache), a full garbage collection runs
 * and the executable's pages are dropped again (a burst of load brings back tens of MB of
 * code and heap that an idle node does not need). Still quiet {@link DEEP_TRIM_CHECKS}
 * checks later, `shrink()` lets JavaScriptCore drop its compiled code and empty heap
 * blocks (3-4 MB of a node after 100 000 messages; the code is compiled again if work
 * comes back) and the pages are dropped once more. At any other quiet check the pages are
 * dropped again when {@link REGROWN_KIB} of them came back since the last drop
 * (`dropAgain`, none by default). Returns a function that stops it.
 *
 * @example
 * ```ts
 * declare const store: { releaseMemory(): void };
 * const stop = trimWhenIdle(log, () => node.counters.received, { release: () => store.releaseMemory() });
 * ```
 */
export function trimWhenIdle(log: Logger, activity: () => number, opts: TrimOptions = {}): () => void {
  const { release = () => {}, everyMs = IDLE_CHECK_MS, busyMs = everyMs, shrink = shrinkEngine, dropAgain } = opts;
  let last = activity();
  let trimmedAt = last;
  /** Consecutive quiet checks, and whether the deep trim is still owed for this quiet period. */
  let quietChecks = 0;
  let deepOwed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const next = (ms: number) => {
    if (stopped) return;
    // A check that failed (it reads /proc, which a process out of descriptors cannot) is logged, and the next one still comes.
    const checked = () =>
      check().catch((e: unknown) => log.warn("idle: cannot give memory back: {error}", { error: (e as Error).message }));
    timer = setTimeout(() => void checked().then(() => next(quietChecks > 0 ? everyMs : busyMs)), ms);
    timer.unref?.();
  };
  const check = async (): Promise<void> => {
    const now = activity();
    const quiet = now === last;
    last = now;
    quietChecks = quiet ? quietChecks + 1 : 0;
    if (!quiet) return;
    if (now !== trimmedAt) {
      trimmedAt = now;
      deepOwed = true;
      return trimNow(log, release);
    }
    if (!deepOwed || quietChecks <= DEEP_TRIM_CHECKS) {
      if (dropAgain && regrown(dropAgain.fileKiB(), dropAgain.afterDropKiB())) await dropAgain.drop();
      return;
    }
    deepOwed = false;
    try {
      shrink();
    } catch (e) {
      // A runtime without the call (it is deprecated) keeps its code: the node goes on.
      return log.warn("idle: cannot shrink the engine's memory: {error}", { error: (e as Error).message });
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(SHRINK_SETTLE_MS, everyMs)));
    await dropAndLog(log);
  };
  next(everyMs);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/** The first trim of a quiet period: the daemon's caches, a full collection, the executable's pages. */
async function trimNow(log: Logger, release: () => void): Promise<void> {
  try {
    release();
  } catch (e) {
    log.warn("idle: cannot release cached memory: {error}", { error: (e as Error).message });
  }
  Bun.gc(true);
  await dropAndLog(log);
}

/** What {@link trimWhenIdle} does besides a full collection and dropping the executable's pages. */
export interface TrimOptions {
  /** Lets go of the daemon's own caches at the first quiet check (none by default). */
  release?: () => void;
  /** How often it checks, in ms ({@link IDLE_CHECK_MS}). */
  everyMs?: number;
  /** How soon after a check that found work the next one comes, in ms (`everyMs` by default; a ring node's is {@link BUSY_CHECK_MS}). */
  busyMs?: number;
  /** The deep trim's shrink of JavaScriptCore (`Bun.shrink()`; a no-op where it gives nothing). */
  shrink?: () => void;
  /** Drops the pages again when they came back (none by default). */
  dropAgain?: DropAgain;
}

/** How {@link trimWhenIdle} drops the executable's pages again: what is resident now, what was right after the last drop, a drop. */
export interface DropAgain {
  fileKiB: () => number;
  afterDropKiB: () => number;
  drop: () => Promise<void>;
}

/**
 * What a ring node passes to {@link trimWhenIdle} as `dropAgain`: the executable's resident
 * pages from /proc, and a drop logged as done for `why` ("idle" by default).
 *
 * @example
 * ```ts
 * const stop = trimWhenIdle(log, () => node.counters.received, { dropAgain: dropPagesAgain(log) });
 * ```
 */
export function dropPagesAgain(log: Logger, why = "idle"): DropAgain {
  return { fileKiB: fileResidentKiB, afterDropKiB: () => fileKiBAfterDrop, drop: () => dropAndLog(log, why) };
}

/** Drops the executable's pages and logs it (debug) as given back for `why`; never rejects (a failure is logged). */
async function dropAndLog(log: Logger, why = "idle"): Promise<void> {
  try {
    const r = await dropStartupPages();
    if (!("skipped" in r)) log.debug("{why}: memory given back, resident {before} -> {after} MiB", { why, ...residentMiB(r) });
  } catch (e) {
    log.warn("{why}: cannot give memory back: {error}", { why, error: (e as Error).message });
  }
}
