import { expect, test } from "bun:test";
import { parseVassalConfig, type PlainConfig } from "../../lib/vassal/mod.ts";

const plain = (extra: string) => parseVassalConfig("w.toml", `[vassal]\ncommand = "sleep"\n${extra}`) as PlainConfig;

test("memory_max, cpu_max, pids_max become cgroup v2 file contents", () => {
  expect(plain("").limits).toBeUndefined();
  expect(plain('memory_max = "256M"\ncpu_max = "50%"\npids_max = 64\n').limits).toEqual({
    memoryMax: String(256 * 1024 * 1024),
    cpuMax: "50000 100000",
    pidsMax: "64",
  });
  expect(plain('memory_max = 2097152\ncpu_max = "200%"\n').limits).toEqual({ memoryMax: "2097152", cpuMax: "200000 100000" });
  expect(plain('cpu_max = "25000 50000"\n').limits).toEqual({ cpuMax: "25000 50000" });
});

test("a bad limit is refused with FILE:LINE and the reason", () => {
  const cases: [string, RegExp][] = [
    ['memory_max = "12K"', /^w\.toml:3: \[vassal\] memory_max must be a size of at least 1M/],
    ['memory_max = "lots"', /^w\.toml:3: \[vassal\] memory_max must be a size/],
    ['cpu_max = "0.5%"', /^w\.toml:3: \[vassal\] cpu_max must be a share of CPUs/],
    ['cpu_max = "half"', /^w\.toml:3: \[vassal\] cpu_max must be/],
    ["cpu_max = 50", /^w\.toml:3: \[vassal\] cpu_max must be/],
    ["pids_max = 0", /^w\.toml:3: \[vassal\] pids_max must be an integer from 1 to 4194304/],
  ];
  for (const [line, why] of cases) expect(() => plain(`${line}\n`)).toThrow(why);
});
