import { expect, test } from "bun:test";
import { pickProgram } from "../../lib/programs/multicall.ts";

test("the name started under picks the program, directories and .exe aside", () => {
  expect(pickProgram("zog", "/usr/local/bin/zog", ["--version"])).toEqual({ program: "zog", args: ["--version"] });
  expect(pickProgram("/opt/bin/emperor", "/opt/bin/emperor", [])).toEqual({ program: "emperor", args: [] });
  expect(pickProgram("C:\\bin\\sprog.exe", "C:\\bin\\sprog.exe", ["-n", "1"])).toEqual({ program: "sprog", args: ["-n", "1"] });
  // A symlink: argv0 keeps the link's name while the executable's path is the target's.
  expect(pickProgram("./zeus", "/opt/zog-linux-x64", ["status"])).toEqual({ program: "zeus", args: ["status"] });
  // A hard link started through a wrapper that lost argv0: the path still names it.
  expect(pickProgram("bun", "/usr/local/bin/sprog", [])).toEqual({ program: "sprog", args: [] });
});

test("under another name the first argument picks the program", () => {
  expect(pickProgram("./zog-linux-x64", "/tmp/zog-linux-x64", ["zeus", "--help"])).toEqual({ program: "zeus", args: ["--help"] });
  expect(pickProgram("x", "/tmp/x", [])).toEqual({ error: "name a program" });
  expect(pickProgram("x", "/tmp/x", ["zogg"])).toEqual({ error: '"zogg" is not a program of this executable' });
  expect(pickProgram("zogg", "/tmp/zogg", ["--version"])).toEqual({ error: '"--version" is not a program of this executable' });
});
