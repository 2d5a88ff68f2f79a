import { expect, test } from "bun:test";
import { DeposedError, EtcdError } from "../../lib/errors.ts";
import type { ZeusState } from "../../lib/zeus/state_file.ts";
import { StateSaver } from "../../lib/zeus/state_saver.ts";
import type { StateStore } from "../../lib/zeus/state_store.ts";
import { waitFor } from "../helpers/procs.ts";

const state = (n: number): ZeusState => ({ version: 1, savedAt: String(n), emperors: [], vassals: [], destroying: [] });

function failingStore(failures: Error[]) {
  const saved: string[] = [];
  const store: StateStore = {
    where: "test",
    load: async () => undefined,
    save: async (s) => {
      const e = failures.shift();
      if (e) throw e;
      saved.push(s.savedAt);
    },
  };
  return { store, saved };
}

test("a failed write is retried until one succeeds, with the latest state; a deposed write steps down and is not retried", async () => {
  const { store, saved } = failingStore([new EtcdError("etcd unreachable", true), new Error("ENOSPC")]);
  let n = 0;
  const refused: string[] = [];
  const saver = new StateSaver(store, () => state(++n), { mayWrite: () => true, refused: (w) => refused.push(w), retryMs: 20 });
  saver.queue();
  await waitFor(() => saved.length === 1, 10_000, "a write after two failures");
  expect(saved).toEqual(["3"]);
  expect(refused).toEqual([]);

  const deposed = failingStore([new DeposedError("no longer holds /z/leader")]);
  const s2 = new StateSaver(deposed.store, () => state(0), { mayWrite: () => true, refused: (w) => refused.push(w), retryMs: 20 });
  await s2.flush();
  expect(refused).toEqual(["no longer holds /z/leader"]);
  // A non-event (no retried write once deposed): five of its 20 ms retry periods.
  await Bun.sleep(100);
  expect(deposed.saved).toEqual([]);
  saver.stop();
  s2.stop();
});

test("nothing is written while this zeus may not write, nor queued after stop", async () => {
  const { store, saved } = failingStore([]);
  let may = false;
  const saver = new StateSaver(store, () => state(1), { mayWrite: () => may, refused: () => {} });
  await saver.flush();
  expect(saved).toEqual([]);
  may = true;
  await saver.flush();
  expect(saved).toEqual(["1"]);
  saver.stop();
  saver.queue();
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  expect(saved).toEqual(["1"]);
});

test("no state to write (no term runs: a zeus taking over) writes nothing, not an empty state over the saved one", async () => {
  const written: (ZeusState | undefined)[] = [];
  const store: StateStore = { where: "test", load: async () => undefined, save: async (s) => void written.push(s) };
  let current: ZeusState | undefined;
  const saver = new StateSaver(store, () => current, { mayWrite: () => true, refused: () => {} });
  await saver.flush();
  expect(written).toEqual([]);
  current = state(7);
  await saver.flush();
  expect(written.map((s) => s?.savedAt)).toEqual(["7"]);
  saver.stop();
});

test("writes are spaced by five times the last write's duration: a slow state is written less often, the last change still written", async () => {
  const saved: string[] = [];
  const store: StateStore = {
    where: "slow",
    load: async () => undefined,
    save: async (s) => {
      await Bun.sleep(60); // the write itself takes 60 ms: the next waits up to 300 ms
      saved.push(s.savedAt);
    },
  };
  let n = 0;
  const saver = new StateSaver(store, () => state(++n), { mayWrite: () => true, refused: () => {} });
  saver.queue();
  await waitFor(() => saved.length === 1, 5000, "the first write");
  // Twenty bursts of changes 10 ms apart, all inside the spacing: one more write, not twenty.
  for (let i = 0; i < 20; i++) {
    saver.queue();
    await Bun.sleep(10); // bursts apart in time, as changes come
  }
  await waitFor(() => saved.length === 2, 5000, "the spaced write");
  expect(saved).toEqual(["1", "2"]);
  saver.stop();
});

test("while held (zeus settling after a restart) a queued change is not written; a flush is, and so is the change that ends the hold", async () => {
  const { store, saved } = failingStore([]);
  let held = true;
  let n = 0;
  const saver = new StateSaver(store, () => state(++n), { mayWrite: () => true, refused: () => {}, hold: () => held });
  saver.queue();
  // A queued write runs on the next turn: two turns later it has run, or been skipped.
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  await saver.flush(); // an admin command's change: written while held
  expect(saved).toEqual(["1"]);
  saver.queue();
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  expect(saved).toEqual(["1"]);
  held = false;
  saver.queue(); // the settle time's end is a change
  await waitFor(() => saved.length === 2, 10_000, "the write once the hold ended");
  expect(saved).toEqual(["1", "2"]);
  saver.stop();
});
