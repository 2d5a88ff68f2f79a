import { describe, expect, test } from "bun:test";
import fc from "fast-check";
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
    const d = new Durability("batch", disk, () => {}, 0);
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
    const d = new Durability("batch", disk, (r) => errors.push(r), 0);
    const got: (string | undefined)[] = [];
    d.after((e) => got.push(e));
    disk.pending[0]!.reject(Object.assign(new Error("io"), { code: "EIO" }));
    await tick();
    expect(got).toEqual(["cannot record: fsync failed: EIO"]);
    expect(errors).toEqual(got as string[]);
  });

  test("batch syncs on the event loop while fsyncs are fast, on the thread once they are slow, and back", async () => {
    let clock = 0;
    let fsyncMs = 0.3;
    const pending: (() => void)[] = [];
    const disk = {
      syncNow: () => void (clock += fsyncMs),
      sync: () =>
        new Promise<void>((resolve) =>
          pending.push(() => {
            clock += fsyncMs;
            resolve();
          }),
        ),
    };
    const d = new Durability("batch", disk, () => {}, 2, { monotonic: () => clock, setTimeout: () => 0 });
    const answered: number[] = [];
    // Fast: each commit's fsync runs at once and answers before after() returns.
    for (let i = 0; i < 5; i++) d.after(() => answered.push(i));
    expect(answered).toEqual([0, 1, 2, 3, 4]);
    expect([d.syncs, d.threadSyncs, pending.length]).toEqual([5, 0, 0]);
    // The disk slows down: a few slow fsyncs lift the average past 2 ms, then the thread takes over.
    fsyncMs = 10;
    let k = 5;
    while (pending.length === 0 && k < 20)
      d.after(
        (
          (i) => () =>
            answered.push(i)
        )(k++),
      );
    expect(d.threadSyncs).toBe(1);
    expect(d.syncing).toBe(true);
    const waited = k;
    d.after(() => answered.push(waited));
    expect(answered).not.toContain(waited);
    // The disk is fast again: fsyncs on the thread bring the average down, then the event loop takes over again.
    fsyncMs = 0.1;
    while (pending.length > 0) {
      pending.shift()!();
      await tick();
    }
    expect(answered).toContain(waited);
    while (d.averageMs >= 2) {
      d.after(() => {});
      pending.shift()?.();
      await tick();
    }
    const threaded = d.threadSyncs;
    d.after(() => answered.push(-1));
    expect(answered.at(-1)).toBe(-1);
    expect(d.threadSyncs).toBe(threaded);
  });

  test("property: each callback (of after or afterWithin) runs once, OK only after an fsync that started after it, one fsync at a time", async () => {
    // A step registers a callback (its bytes written now; "lazy": by afterWithin), fires
    // afterWithin's timer, finishes the running thread fsync well or badly, or changes how
    // long the disk's fsyncs take (moving the group fsync between the event loop and the thread).
    const step = fc.oneof(
      fc.constant({ do: "write" as const }),
      fc.constant({ do: "lazy" as const }),
      fc.constant({ do: "timer" as const }),
      fc.constant({ do: "ok" as const }),
      fc.constant({ do: "fail" as const }),
      fc.record({ do: fc.constant("disk" as const), ms: fc.constantFrom(0.2, 1, 8, 30) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 60 }), async (steps) => {
        let clock = 0;
        let fsyncMs = 0.2;
        let counter = 0;
        const running: { started: number; resolve: () => void; reject: (e: Error) => void }[] = [];
        const timers: (() => void)[] = [];
        let answeredBy = -1;
        const disk = {
          syncNow: () => {
            expect(running.length).toBe(0);
            answeredBy = counter++;
            clock += fsyncMs;
          },
          sync: () =>
            new Promise<void>((resolve, reject) => {
              expect(running.length).toBe(0);
              running.push({ started: counter++, resolve, reject });
            }),
        };
        const d = new Durability("batch", disk, () => {}, 5, { monotonic: () => clock, setTimeout: (fn) => timers.push(fn) });
        const calls = new Map<number, number>();
        let k = 0;
        const register = (lazy: boolean) => {
          const i = k++;
          const writtenAt = counter++;
          const then = (error?: string) => {
            calls.set(i, (calls.get(i) ?? 0) + 1);
            // An OK comes from an fsync that started after its bytes were written.
            if (error === undefined) expect(answeredBy).toBeGreaterThan(writtenAt);
          };
          if (lazy) d.afterWithin(then, 3);
          else d.after(then);
        };
        const finish = async (ok: boolean) => {
          const f = running.shift();
          if (!f) return;
          answeredBy = f.started;
          clock += fsyncMs;
          if (ok) f.resolve();
          else f.reject(Object.assign(new Error("io"), { code: "EIO" }));
          await tick();
        };
        for (const s of steps) {
          if (s.do === "write" || s.do === "lazy") register(s.do === "lazy");
          else if (s.do === "timer") timers.shift()?.();
          else if (s.do === "disk") fsyncMs = s.ms;
          else await finish(s.do === "ok");
        }
        while (running.length > 0 || timers.length > 0) {
          timers.shift()?.();
          await finish(true);
        }
        expect(d.syncing).toBe(false);
        for (let i = 0; i < k; i++) expect(calls.get(i)).toBe(1);
      }),
      { numRuns: 300 },
    );
  });

  test("always syncs before each callback; never does not sync", () => {
    let syncs = 0;
    const disk = { syncNow: () => void syncs++, sync: () => Promise.resolve() };
    const order: string[] = [];
    new Durability("always", disk).after(() => order.push(`ok after ${syncs}`));
    new Durability("never", disk).after(() => order.push(`ok after ${syncs}`));
    expect(order).toEqual(["ok after 1", "ok after 1"]);
  });

  test("batch: afterWithin waits for the next fsync run for another reason, or runs its own when its timer fires", () => {
    let syncs = 0;
    const disk = { syncNow: () => void syncs++, sync: () => Promise.resolve() };
    const timers: (() => void)[] = [];
    const d = new Durability("batch", disk, () => {}, 5, { monotonic: () => 0, setTimeout: (fn) => timers.push(fn) });
    const done: string[] = [];
    d.afterWithin(() => done.push(`a after ${syncs}`), 3);
    d.afterWithin(() => done.push(`b after ${syncs}`), 3);
    expect([done, syncs, timers.length]).toEqual([[], 0, 1]);
    d.after(() => done.push(`c after ${syncs}`));
    expect(done).toEqual(["a after 1", "b after 1", "c after 1"]);
    timers.shift()!();
    expect(syncs).toBe(1);
    d.afterWithin(() => done.push(`d after ${syncs}`), 3);
    timers.shift()!();
    expect(done.at(-1)).toBe("d after 2");
  });
});
