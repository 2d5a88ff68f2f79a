import { describe, expect, test } from "bun:test";
import { Durability } from "../../lib/ring/durability.ts";

/** A disk whose fsyncs finish when the test says so. */
function fakeDisk() {
  const pending: { resolve: () => void; reject: (e: Error) => void }[] = [];
  return {
    pending,
    syncNow: () => {},
    sync: () => new Promise<void>((resolve, reject) => pending.push({ resolve, reject })),
  };
}

const tick = () => new Promise((r) => setImmediate(r));

describe("Durability", () => {
  test("batch: callbacks that arrive during an fsync share the next one", async () => {
    const disk = fakeDisk();
    const d = new Durability("batch", disk);
    const done: string[] = [];
    d.after(() => done.push("a"));
    d.after(() => done.push("b"));
    d.after(() => done.push("c"));
    expect(disk.pending.length).toBe(1);
    disk.pending[0]!.resolve();
    await tick();
    expect(done).toEqual(["a"]);
    expect(disk.pending.length).toBe(2);
    disk.pending[1]!.resolve();
    await tick();
    expect(done).toEqual(["a", "b", "c"]);
    expect(d.syncs).toBe(2);
  });

  test("a failed fsync answers every waiting callback with the reason", async () => {
    const disk = fakeDisk();
    const errors: string[] = [];
    const d = new Durability("batch", disk, (r) => errors.push(r));
    const got: (string | undefined)[] = [];
    d.after((e) => got.push(e));
    disk.pending[0]!.reject(Object.assign(new Error("io"), { code: "EIO" }));
    await tick();
    expect(got).toEqual(["cannot record: fsync failed: EIO"]);
    expect(errors).toEqual(got as string[]);
  });

  test("always syncs before each callback; never does not sync", () => {
    let syncs = 0;
    const disk = { syncNow: () => void syncs++, sync: () => Promise.resolve() };
    const order: string[] = [];
    new Durability("always", disk).after(() => order.push(`ok after ${syncs}`));
    new Durability("never", disk).after(() => order.push(`ok after ${syncs}`));
    expect(order).toEqual(["ok after 1", "ok after 1"]);
  });
});
