// Fencing zeus leaders: the rule, the kept term across restarts, the wire var.
import { afterAll, expect, test } from "bun:test";
import fc from "fast-check";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fenceStep, TermKeeper } from "../../lib/emperor/fence.ts";
import { decodeMessage, encodeMessage, messageTerm } from "../../lib/zeus_protocol/mod.ts";
import { removeTmpDirs, tmpDir } from "../helpers/procs.ts";

afterAll(removeTmpDirs);

test("a command of an older term is refused; a newer or equal term is taken and becomes the newest; no term changes nothing", () => {
  expect(fenceStep(undefined, 5, "X")).toEqual({ ok: true, newest: 5 });
  expect(fenceStep(5, 5, "X")).toEqual({ ok: true, newest: 5 });
  expect(fenceStep(5, 9, "X")).toEqual({ ok: true, newest: 9 });
  expect(fenceStep(5, undefined, "X")).toEqual({ ok: true, newest: 5 });
  const v = fenceStep(9, 5, "VASSAL_DESTROY a.toml");
  expect(v.ok).toBe(false);
  if (!v.ok) expect(v.reason).toContain("VASSAL_DESTROY a.toml from zeus term 5 refused: this emperor has seen term 9");
});

test("the newest term never goes down, and every command older than it is refused", () => {
  fc.assert(
    fc.property(fc.array(fc.option(fc.nat(1000), { nil: undefined }), { maxLength: 50 }), (terms) => {
      let newest: number | undefined;
      for (const t of terms) {
        const v = fenceStep(newest, t, "X");
        expect(v.ok).toBe(t === undefined || newest === undefined || t >= newest);
        if (newest !== undefined) expect(v.newest!).toBeGreaterThanOrEqual(newest);
        newest = v.newest;
      }
    }),
  );
});

test("the newest term is kept in the state dir: a restarted emperor still refuses a deposed leader", () => {
  const file = join(tmpDir("fence-"), "zeus_term");
  const k = new TermKeeper(file);
  expect(k.check(7, "X").ok).toBe(true);
  const again = new TermKeeper(file);
  expect(again.newest).toBe(7);
  expect(again.check(6, "X").ok).toBe(false);
  writeFileSync(file, "junk");
  expect(() => new TermKeeper(file)).toThrow("not a zeus term: fix or remove it");
});

test("a term that cannot be saved (a full disk) still fences in memory, is saved once it can be, and both are said once", () => {
  const dir = join(tmpDir(), "state");
  const file = join(dir, "zeus_term");
  const said: (string | undefined)[] = [];
  const k = new TermKeeper(file, (failure) => said.push(failure));
  // The folder is missing: every write fails, as on a full disk.
  expect(k.check(5, "NEW_VASSAL a.toml")).toEqual({ ok: true, newest: 5 });
  expect(k.check(5, "NEW_VASSAL b.toml")).toEqual({ ok: true, newest: 5 });
  expect(k.check(4, "NEW_VASSAL c.toml").ok).toBe(false);
  expect(said).toEqual(["ENOENT"]);
  mkdirSync(dir);
  expect(k.check(5, "VASSAL_RELOAD a.toml").ok).toBe(true);
  expect(said).toEqual(["ENOENT", undefined]);
  expect(readFileSync(file, "utf8")).toBe("5\n");
  expect(new TermKeeper(file).newest).toBe(5);
});

test("the term travels as the `term` var; a message without it has none", () => {
  const p = encodeMessage({ type: "VASSAL_RELOAD", name: "a.toml" }, 12);
  expect(messageTerm(p)).toBe(12);
  expect(decodeMessage(p, "zeus")).toEqual({ type: "VASSAL_RELOAD", name: "a.toml" });
  expect(messageTerm(encodeMessage({ type: "VASSAL_RELOAD", name: "a.toml" }))).toBeUndefined();
});
