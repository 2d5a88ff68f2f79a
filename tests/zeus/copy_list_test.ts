import { expect, test } from "bun:test";
import fc from "fast-check";
import { CopyList, INDEX_FROM } from "../../lib/zeus/copy_list.ts";
import type { Copy } from "../../lib/zeus/records.ts";

const copy = (node: string, pid = 0): Copy => ({ node, state: "offered", pid, restarts: 0 });
const node = fc.integer({ min: 0, max: INDEX_FROM * 3 }).map((i) => `e${i}`);
const op = fc.oneof(
  fc.record({ kind: fc.constant("set" as const), node, pid: fc.nat(9) }),
  fc.record({ kind: fc.constant("delete" as const), node }),
);

test("a copy list answers as a Map of the same sets and deletes, below and beyond its index", () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
      const list = new CopyList();
      const map = new Map<string, Copy>();
      for (const o of ops) {
        if (o.kind === "set") {
          list.set(o.node, copy(o.node, o.pid));
          map.set(o.node, copy(o.node, o.pid));
        } else expect(list.delete(o.node)).toBe(map.delete(o.node));
        expect(list.size).toBe(map.size);
        expect([...list.values()]).toEqual([...map.values()]);
        expect([...list.keys()]).toEqual([...map.keys()]);
        for (let i = 0; i <= INDEX_FROM * 3; i++) expect(list.get(`e${i}`)).toEqual(map.get(`e${i}`));
      }
    }),
  );
});

test("a copy is kept under its own node only", () => {
  expect(() => new CopyList().set("e1", copy("e2"))).toThrow('a copy on "e2" cannot be kept under node "e1"');
});

test("a walk that deletes each copy it passes still passes every copy, below and beyond the index", () => {
  for (const n of [3, INDEX_FROM + 4]) {
    const list = new CopyList();
    for (let i = 0; i < n; i++) list.set(`e${i}`, copy(`e${i}`));
    const seen: string[] = [];
    for (const c of list.values()) {
      seen.push(c.node);
      list.delete(c.node);
    }
    expect(seen).toEqual(Array.from({ length: n }, (_, i) => `e${i}`));
    expect(list.size).toBe(0);
  }
});
