// The coordinator's configs by digest (lib/zeus/config_store.ts): whatever is put, held,
// dropped and walked, every config a record holds reads back as it was put, one id a digest,
// and what no record holds is let go (its slab compacted away).
import { expect, test } from "bun:test";
import fc from "fast-check";
import { type ConfigId, ConfigStore } from "../../lib/zeus/config_store.ts";

/** The bytes of config `d` in these tests: its digest's number, `len` times (a digest names its bytes: one length a digest). */
const bytesOf = (d: number, len = (d * 7) % 41) => new Uint8Array(len).fill(d);

const op = fc.oneof(
  fc.record({ kind: fc.constant("put" as const), d: fc.nat(20) }),
  fc.record({ kind: fc.constant("drop" as const), at: fc.nat(50) }),
  fc.record({ kind: fc.constant("sweep" as const) }),
);

test("every held config reads back as put, one id a digest, and the store holds no more than the records do after a walk", () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
      /** What the records hold: an id, and the digest and bytes it was put with. */
      const held: { id: ConfigId; d: number; bytes: Uint8Array }[] = [];
      const store = new ConfigStore((mark) => held.forEach((h) => mark(h.id)), { slabBytes: 64, sweepAfter: 3 });
      for (const o of ops) {
        if (o.kind === "put") {
          const bytes = bytesOf(o.d);
          const id = store.put(`d${o.d}`, bytes);
          expect(id).toBeGreaterThan(0);
          held.push({ id, d: o.d, bytes });
        } else if (o.kind === "drop") held.splice(o.at % Math.max(1, held.length), 1);
        else {
          store.sweep();
          expect(store.size).toBe(new Set(held.map((h) => h.d)).size);
        }
        for (const h of held) {
          expect(store.digest(h.id)).toBe(`d${h.d}`);
          expect([...store.bytes(h.id)]).toEqual([...h.bytes]);
          expect(store.put(`d${h.d}`, new Uint8Array())).toBe(h.id);
        }
      }
    }),
  );
});

test("configs no record holds are let go at the walk after as many new ones as were held, and their slabs compacted away", () => {
  let held: ConfigId[] = [];
  const store = new ConfigStore((mark) => held.forEach(mark), { slabBytes: 1000, sweepAfter: 10 });
  for (let i = 0; i < 100; i++) held.push(store.put(`old${i}`, bytesOf(i, 100)));
  expect(store.slabBytes).toBe(10_000);
  held = held.slice(0, 5);
  store.sweep();
  expect(store.size).toBe(5);
  expect(store.slabBytes).toBe(1000); // 500 bytes held: one slab
  expect([...store.bytes(held[4]!)]).toEqual([...bytesOf(4, 100)]);
  // A dropped config's id goes to a new one, never to one still held.
  const fresh = store.put("new", bytesOf(7, 3));
  expect(held).not.toContain(fresh);
  expect(() => store.digest(10_000)).toThrow("no config 10000 in the store");
});
