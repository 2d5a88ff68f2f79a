import { expect, test } from "bun:test";
import { parseProcStat, readProcStat } from "../../lib/proc/proc_stat.ts";

test("fields are counted from the last parenthesis, so odd command names parse", () => {
  expect(parseProcStat("42 (a b) (c)) S 1 42 43 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 777 0 0")).toEqual({
    pid: 42,
    state: "S",
    pgrp: 42,
    session: 43,
    startTime: "777",
  });
  expect(parseProcStat("garbage")).toBeUndefined();
  expect(parseProcStat("1 (x) S 1")).toBeUndefined();
});

test.skipIf(process.platform !== "linux")("this process's own stat is readable and stable", () => {
  const a = readProcStat(process.pid);
  expect(a?.pid).toBe(process.pid);
  expect(readProcStat(process.pid)?.startTime).toBe(a!.startTime);
  expect(readProcStat(2 ** 22 + 1)).toBeUndefined();
});
