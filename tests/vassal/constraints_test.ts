import { expect, test } from "bun:test";
import { meets, meetsAll, parseConstraint, parseLabel, unmetNote } from "../../lib/vassal/constraints.ts";

test("constraints parse as KEY=VALUE, KEY!=VALUE or a bare KEY", () => {
  expect(parseConstraint("zone=a")).toEqual({ key: "zone", op: "=", value: "a", text: "zone=a" });
  expect(parseConstraint(" zone != b ")).toEqual({ key: "zone", op: "!=", value: "b", text: "zone!=b" });
  expect(parseConstraint("ssd")).toEqual({ key: "ssd", op: "has", text: "ssd" });
  for (const bad of ["", "=a", "a b", "zone=a b", "zone==a"]) expect(parseConstraint(bad)).toBeUndefined();
});

test("labels parse as KEY=VALUE; a bare KEY has an empty value", () => {
  expect(parseLabel("zone=a")).toEqual(["zone", "a"]);
  expect(parseLabel("ssd")).toEqual(["ssd", ""]);
  expect(parseLabel("=a")).toBeUndefined();
  expect(parseLabel("zone=a b")).toBeUndefined();
});

test("meets: =, != and presence", () => {
  const l = { zone: "a", ssd: "" };
  expect(meets(l, parseConstraint("zone=a")!)).toBe(true);
  expect(meets(l, parseConstraint("zone=b")!)).toBe(false);
  expect(meets(l, parseConstraint("zone!=b")!)).toBe(true);
  expect(meets(l, parseConstraint("ssd")!)).toBe(true);
  expect(meets(l, parseConstraint("gpu")!)).toBe(false);
  expect(meets(l, parseConstraint("gpu!=yes")!)).toBe(true);
  expect(meets({}, parseConstraint("toString")!)).toBe(false);
  expect(meetsAll(l, [parseConstraint("zone=a")!, parseConstraint("ssd")!])).toBe(true);
});

test("the note names the constraint no emperor meets", () => {
  const cs = [parseConstraint("zone=a")!, parseConstraint("ssd")!];
  expect(unmetNote([{ zone: "a", ssd: "" }], cs)).toBeUndefined();
  expect(unmetNote([{ zone: "b", ssd: "" }], cs)).toBe('no alive emperor meets constraint "zone=a"');
  expect(unmetNote([{ zone: "a" }, { zone: "b", ssd: "" }], cs)).toBe('no alive emperor meets constraints "zone=a", "ssd" at once');
  expect(unmetNote([], cs)).toBe('no alive emperor meets constraint "zone=a"');
  expect(unmetNote([], [])).toBeUndefined();
});
