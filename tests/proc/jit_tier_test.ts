import { expect, test } from "bun:test";
import { FTL_VARIABLE, ftlOffReexec } from "../../lib/proc/jit_tier.ts";

const compiled = { argv0: "zog", argv: ["bun", "/$bunfs/root/zog", "--config", "r.toml", "--node", "A"], execPath: "/usr/bin/zog" };

test("a compiled daemon started without the variable starts again as itself, same name and arguments, with FTL off", () => {
  const again = ftlOffReexec({ ...compiled, env: { PATH: "/usr/bin" } });
  expect(again).toEqual({
    file: "/usr/bin/zog",
    args: ["zog", "--config", "r.toml", "--node", "A"],
    env: { PATH: "/usr/bin", [FTL_VARIABLE]: "0" },
  });
});

test("once the variable is set, whatever its value (the second start, or FTL asked for), it runs as it is", () => {
  expect(ftlOffReexec({ ...compiled, env: { [FTL_VARIABLE]: "0" } })).toBeUndefined();
  expect(ftlOffReexec({ ...compiled, env: { [FTL_VARIABLE]: "1" } })).toBeUndefined();
});

test("run from source (bun running a .ts file) it is not started again: bun under the program's name would not run it", () => {
  const source = { argv0: "zog", argv: ["/usr/bin/bun", "/src/cmd/multicall.ts", "--config", "r.toml"], execPath: "/usr/bin/bun", env: {} };
  expect(ftlOffReexec(source)).toBeUndefined();
});
