import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { Outstanding } from "../../../lib/ring/client/outstanding.ts";
import { Slots } from "../../../lib/ring/client/slots.ts";
import { MessageIds } from "../../../lib/ring/client/ids.ts";
import { ID_RE } from "../../../lib/ring/protocol.ts";

describe("Outstanding", () => {
  test("a message lost with its server waits again under the same id, ahead of newer ones", () => {
    const o = new Outstanding<string>();
    o.add("a", "A", 0, 1000);
    o.add("b", "B", 0, 1000);
    o.add("c", "C", 0, 1000);
    o.sent(o.take()!.id, 0);
    o.sent(o.take()!.id, 1);
    expect(o.onServer(0)).toBe(1);
    expect(o.lost(0)).toBe(1);
    expect(o.onServer(0)).toBe(0);
    const retry = o.take()!;
    expect(retry.id).toBe("a");
    expect(retry.attempts).toBe(1);
    expect(o.take()!.id).toBe("c");
  });

  test("acks remove, a late or duplicate ack is ignored", () => {
    const o = new Outstanding<string>();
    o.add("a", "A", 0, 1000);
    o.sent(o.take()!.id, 2);
    expect(o.ack("a")?.payload).toBe("A");
    expect(o.ack("a")).toBeUndefined();
    expect(o.size).toBe(0);
    expect(o.onServer(2)).toBe(0);
  });

  test("messages past their deadline expire, waiting or in flight", () => {
    const o = new Outstanding<string>();
    o.add("a", "A", 0, 100);
    o.add("b", "B", 50, 100);
    o.sent(o.take()!.id, 0);
    expect(o.nextDeadline()).toBe(100);
    expect(o.expired(120).map((e) => e.id)).toEqual(["a"]);
    expect(o.expired(150).map((e) => e.id)).toEqual(["b"]);
    expect(o.size).toBe(0);
    expect(o.waiting).toBe(0);
  });

  test("a duplicate id is refused", () => {
    const o = new Outstanding<string>();
    o.add("a", "A", 0, 1);
    expect(() => o.add("a", "A", 0, 1)).toThrow(RangeError);
  });

  test("property: whatever servers fail, every message ends acked or expired exactly once", () => {
    type Op = { kind: "send"; server: number } | { kind: "ack" } | { kind: "lose"; server: number };
    const op = fc.oneof(
      fc.record({ kind: fc.constant("send" as const), server: fc.integer({ min: 0, max: 4 }) }),
      fc.record({ kind: fc.constant("ack" as const) }),
      fc.record({ kind: fc.constant("lose" as const), server: fc.integer({ min: 0, max: 4 }) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.array(op, { maxLength: 200 }), (n, ops) => {
        const o = new Outstanding<number>();
        for (let k = 0; k < n; k++) o.add(`m-${k}`, k, 0, 1000);
        const done = new Map<string, number>();
        const inFlight: string[] = [];
        for (const step of ops) {
          if (step.kind === "send") {
            const e = o.take();
            if (e) {
              o.sent(e.id, step.server);
              inFlight.push(e.id);
            }
          } else if (step.kind === "ack") {
            const id = inFlight.shift();
            if (id !== undefined && o.ack(id)) done.set(id, (done.get(id) ?? 0) + 1);
          } else {
            o.lost(step.server);
          }
        }
        for (const e of o.expired(Number.POSITIVE_INFINITY)) done.set(e.id, (done.get(e.id) ?? 0) + 1);
        expect(done.size).toBe(n);
        for (const c of done.values()) expect(c).toBe(1);
        expect(o.size).toBe(0);
      }),
    );
  });
});

describe("Slots (the send window)", () => {
  test("keeps at most W taken and hands a released slot to the first waiter", async () => {
    const w = new Slots(2);
    await w.acquire();
    await w.acquire();
    let third = false;
    const p = w.acquire().then(() => (third = true));
    // A non-event (the third acquire stays pending) cannot be awaited: one turn of the event loop for it to wrongly resolve.
    await Bun.sleep(1);
    expect(third).toBe(false);
    w.release();
    await p;
    expect(third).toBe(true);
    expect(w.used).toBe(2);
    w.release();
    w.release();
    expect(w.used).toBe(0);
  });

  test("property: tryAcquire takes a slot exactly when fewer than W are taken, never more than W", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.array(fc.boolean(), { maxLength: 60 }), (size, ops) => {
        const w = new Slots(size);
        let model = 0;
        for (const take of ops) {
          if (take) {
            expect(w.tryAcquire()).toBe(model < size);
            model = Math.min(size, model + 1);
          } else {
            w.release();
            model = Math.max(0, model - 1);
          }
          expect(w.used).toBe(model);
        }
      }),
    );
  });

  test("rejects a window below 1", () => {
    expect(() => new Slots(0)).toThrow(RangeError);
  });
});

describe("message ids", () => {
  test("are <16 hex>-<seq>, valid protocol ids, counting from 1", () => {
    const ids = new MessageIds();
    expect(ids.clientId).toMatch(/^[0-9a-f]{16}$/);
    const a = ids.next();
    expect(a).toBe(`${ids.clientId}-1`);
    expect(ids.next()).toBe(`${ids.clientId}-2`);
    expect(a).toMatch(ID_RE);
    expect(`${ids.clientId}-${Number.MAX_SAFE_INTEGER}`).toMatch(ID_RE);
    expect(new MessageIds().clientId).not.toBe(ids.clientId);
  });
});
