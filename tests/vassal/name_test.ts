import { expect, test } from "bun:test";
import fc from "fast-check";
import { MAX_NAME_BYTES, vassalKindOf, vassalNameProblem } from "../../lib/vassal/mod.ts";

test("good names pass", () => {
  for (const n of ["app.ini", "web.toml", "a", "A-b_c.9", "x".repeat(230)]) expect(vassalNameProblem(n)).toBeUndefined();
});

test("bad names are rejected with a reason quoting the name", () => {
  expect(vassalNameProblem("../x")).toBe('Vassal name "../x" is not allowed: it contains "/"');
  expect(vassalNameProblem("a b.ini")).toBe('Vassal name "a b.ini" is not allowed: it contains " "');
  expect(vassalNameProblem(".")).toContain("directory name");
  expect(vassalNameProblem("..")).toContain("directory name");
  expect(vassalNameProblem("")).toBe("Vassal name is empty");
  expect(vassalNameProblem("x".repeat(231))).toContain("231 bytes long (at most 230)");
  expect(vassalNameProblem("é.ini")).toContain('contains "é"');
  expect(vassalNameProblem("a\0b")).toContain("not allowed");
});

test("every file derived from the longest name fits a 255-byte file name", () => {
  const name = "x".repeat(MAX_NAME_BYTES);
  const pidMax = "4194304"; // Linux's largest pid_max
  for (const derived of [`.${name}.json.${pidMax}.tmp`, `${name}.log.100`, `.${name}.${pidMax}.tmp`, `${name}.json`])
    expect(Buffer.byteLength(derived)).toBeLessThanOrEqual(255);
});

test("every accepted name is a plain file name inside its folder", () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 300, unit: "binary" }), (name) => {
      if (vassalNameProblem(name) !== undefined) return;
      expect(name).not.toContain("/");
      expect(name).not.toContain("\0");
      expect([".", ".."]).not.toContain(name);
      expect(Buffer.byteLength(name)).toBeLessThanOrEqual(230);
      expect(name.length).toBeGreaterThan(0);
    }),
  );
});

test("the kind follows the extension", () => {
  expect(vassalKindOf("a.ini")).toBe("uwsgi");
  expect(vassalKindOf("a.toml")).toBe("plain");
  expect(vassalKindOf("a.yaml")).toBeUndefined();
});
