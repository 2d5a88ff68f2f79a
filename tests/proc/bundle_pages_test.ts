import { expect, test } from "bun:test";
import fc from "fast-check";
import { closeSync, openSync, readSync } from "node:fs";
import { elfSection, fileRuns } from "../../lib/proc/bundle_pages.ts";
import { bin } from "../helpers/procs.ts";

const PRESENT = 1n << 63n;
const FILE_PAGE = 1n << 61n;

test("fileRuns: only pages resident and still the file's, in runs; a private copy or a page not resident splits them", () => {
  const file = PRESENT | FILE_PAGE | 12345n;
  const own = PRESENT | 777n; // written: the process's own copy
  const swapped = (1n << 62n) | 5n; // a private copy swapped out: not resident
  const runs = fileRuns(new BigUint64Array([file, file, own, file, 0n, swapped, file]), 0x10000n);
  expect(runs).toEqual([
    { start: 0x10000n, end: 0x12000n },
    { start: 0x13000n, end: 0x14000n },
    { start: 0x16000n, end: 0x17000n },
  ]);
});

test("fileRuns never covers a page that is not resident and the file's (property)", () => {
  const entry = fc.constantFrom(0n, PRESENT, PRESENT | FILE_PAGE, FILE_PAGE, 1n << 62n, PRESENT | (1n << 62n));
  fc.assert(
    fc.property(fc.array(entry, { maxLength: 64 }), (entries) => {
      const runs = fileRuns(new BigUint64Array(entries), 0n);
      const covered = new Set<number>();
      for (const r of runs) for (let a = r.start; a < r.end; a += 4096n) covered.add(Number(a / 4096n));
      entries.forEach((e, i) => expect(covered.has(i)).toBe((e & PRESENT) !== 0n && (e & FILE_PAGE) !== 0n));
    }),
  );
});

test("elfSection finds the built executable's .bun section (the bundle) and nothing for a name it lacks or a file that is not ELF", () => {
  const fd = openSync(bin("zog"), "r");
  const read = (offset: number, length: number) => {
    const buf = new Uint8Array(length);
    return buf.subarray(0, readSync(fd, buf, 0, length, offset));
  };
  try {
    const bun = elfSection(read, ".bun");
    expect(bun).toBeDefined();
    // The bundle holds this program's modules: megabytes of JavaScript.
    expect(bun!.size).toBeGreaterThan(1_000_000n);
    expect(bun!.addr % 4096n).toBe(0n);
    expect(elfSection(read, ".no-such-section")).toBeUndefined();
  } finally {
    closeSync(fd);
  }
  const text = new TextEncoder().encode("#!/bin/sh\necho not an executable of ours\n".padEnd(128, " "));
  expect(elfSection((o, l) => text.subarray(o, o + l), ".bun")).toBeUndefined();
});
