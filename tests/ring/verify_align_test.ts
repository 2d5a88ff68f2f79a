import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { alignAccess, type Row } from "../../lib/ring/verify_align.ts";

const rows = (contents: string[], first = 1): Row[] => contents.map((content, i) => ({ seq: first + i, content }));
const N = Array.from({ length: 30 }, (_, i) => `message ${i}`);

describe("zog verify: access.log against the store", () => {
  test("the same lines: nothing found; lines older than the store are not checked", () => {
    expect(alignAccess(N, rows(N)).findings).toEqual([]);
    const a = alignAccess(["old 1", "old 2", ...N.slice(5)], rows(N.slice(5), 6));
    expect(a.findings).toEqual([]);
    expect(a.before).toBe(2);
  });

  test("a line that differs, a doubled line, a missing line, a split line", () => {
    const differs = [...N];
    differs[7] = "messagE 7";
    expect(alignAccess(differs, rows(N)).findings).toEqual([{ kind: "differs", line: 8, seq: 8, got: "messagE 7", want: "message 7" }]);
    const doubled = [...N.slice(0, 10), "message 9", ...N.slice(10)];
    expect(alignAccess(doubled, rows(N)).findings).toEqual([{ kind: "doubled", line: 11, seq: 10, content: "message 9" }]);
    const missing = [...N.slice(0, 10), ...N.slice(11)];
    expect(alignAccess(missing, rows(N)).findings).toEqual([{ kind: "missing", seq: 11, afterLine: 10, content: "message 10" }]);
    const split = [...N.slice(0, 4), "mess", "ge 4", ...N.slice(5)];
    expect(alignAccess(split, rows(N)).findings.map((f) => f.kind)).toEqual(["differs", "extra"]);
  });

  test("a row that failed its checksum matches whatever line is in its place", () => {
    const r = rows(N);
    r[3] = { seq: 4, content: undefined };
    expect(alignAccess(N, r).findings).toEqual([]);
  });

  test("property: one damaged line (changed, dropped or doubled) anywhere is found, and only there", () => {
    fc.assert(
      fc.property(fc.nat(N.length - 1), fc.constantFrom("change", "drop", "double"), (at, how) => {
        const lines = [...N];
        if (how === "change") lines[at] = `${lines[at]}!`;
        if (how === "drop") lines.splice(at, 1);
        if (how === "double") lines.splice(at, 0, lines[at]!);
        const found = alignAccess(lines, rows(N)).findings;
        expect(found.length).toBe(1);
        expect(found[0]!.kind).toBe(how === "change" ? "differs" : how === "drop" ? "missing" : "doubled");
      }),
    );
  });
});
