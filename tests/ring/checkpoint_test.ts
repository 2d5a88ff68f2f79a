import { describe, expect, test } from "bun:test";
import { Checkpoint } from "../../lib/ring/checkpoint.ts";

/** A disk whose syncs finish when the test says so. */
function fakeDisk() {
  const pending: { resolve: () => void; reject: (e: Error) => void }[] = [];
  return { pending, sync: () => new Promise<void>((resolve, reject) => pending.push({ resolve, reject })) };
}

/** Waits (polling, generous deadline) until `cond` holds. */
async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

const settle = () => new Promise((r) => setImmediate(r));

describe("Checkpoint", () => {
  test("never: a count is safe at once, nothing is synced", () => {
    const disk = fakeDisk();
    const safe: number[] = [];
    new Checkpoint("never", disk.sync, (c) => safe.push(c), undefined, 0).logged(7);
    expect(safe).toEqual([7]);
    expect(disk.pending.length).toBe(0);
  });

  test("batch: a count is safe only once its sync is done; counts logged meanwhile share the next sync", async () => {
    const disk = fakeDisk();
    const safe: number[] = [];
    const cp = new Checkpoint("batch", disk.sync, (c) => safe.push(c), undefined, 0);
    cp.logged(3);
    await until(() => disk.pending.length === 1, "the first sync");
    cp.logged(5);
    cp.logged(9);
    await settle();
    expect(safe).toEqual([]);
    expect(disk.pending.length).toBe(1);
    disk.pending[0]!.resolve();
    await until(() => disk.pending.length === 2, "the second sync");
    expect(safe).toEqual([3]);
    disk.pending[1]!.resolve();
    await until(() => safe.length === 2, "the second count");
    expect(safe).toEqual([3, 9]);
  });

  test("a failed sync reports the error, leaves the count unsafe, and the next count tries again", async () => {
    const disk = fakeDisk();
    const safe: number[] = [];
    const errors: string[] = [];
    const cp = new Checkpoint(
      "batch",
      disk.sync,
      (c) => safe.push(c),
      (r) => errors.push(r),
      0,
    );
    cp.logged(4);
    await until(() => disk.pending.length === 1, "the sync");
    disk.pending[0]!.reject(Object.assign(new Error("io"), { code: "EIO" }));
    await until(() => errors.length === 1, "the error");
    expect(errors[0]).toBe("cannot sync access.log and the store: EIO");
    expect(safe).toEqual([]);
    cp.logged(6);
    await until(() => disk.pending.length === 2, "the retry");
    disk.pending[1]!.resolve();
    await until(() => safe.length === 1, "the count");
    expect(safe).toEqual([6]);
  });

  test("reset: a sync that started before it reports nothing (the journal was compacted)", async () => {
    const disk = fakeDisk();
    const safe: number[] = [];
    const cp = new Checkpoint("batch", disk.sync, (c) => safe.push(c), undefined, 0);
    cp.logged(10);
    await until(() => disk.pending.length === 1, "the sync");
    cp.reset();
    disk.pending[0]!.resolve();
    await settle();
    await settle();
    expect(safe).toEqual([]);
    cp.logged(2);
    await until(() => disk.pending.length === 2, "the next sync");
    disk.pending[1]!.resolve();
    await until(() => safe.length === 1, "the count");
    expect(safe).toEqual([2]);
  });
});
