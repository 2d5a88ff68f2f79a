import { expect, test } from "bun:test";
import { SeenIds } from "../../../lib/ring/client/seen_ids.ts";

test("SeenIds forgets the oldest past its capacity, in arrival order", () => {
  const s = new SeenIds(3);
  for (const id of ["a", "b", "c"]) expect(s.add(id)).toBe(true);
  expect(s.add("a")).toBe(false);
  expect(s.add("d")).toBe(true); // forgets a
  expect(s.add("b")).toBe(false);
  expect(s.add("a")).toBe(true); // forgets b
  expect(s.add("b")).toBe(true); // forgets c
  expect(s.add("c")).toBe(true); // forgets d
  expect(s.add("d")).toBe(true);
});

test("SeenIds stays fast past its capacity", () => {
  const s = new SeenIds(1000);
  for (let i = 0; i < 200_000; i++) s.add(`id-${i}`);
  expect(s.add("id-199999")).toBe(false);
  expect(s.add("id-198999")).toBe(true);
});
