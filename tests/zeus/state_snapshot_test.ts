// zeus makes its state to save a slice of vassals per turn of the event loop (at 100 000
// copies and more, making it at once held the loop for hundreds of ms to seconds): the state
// is the one made at once when nothing changes meanwhile, and the emperors, taken last, list
// every node an entry names.
import { expect, test } from "bun:test";
import { restoreState, restoreStateSliced, snapshotState, snapshotStateSliced } from "../../lib/zeus/state_snapshot.ts";
import { fakeFleet } from "./_fake_fleet.ts";
import { configsOf, type EmperorRecord, type VassalRecord } from "../../lib/zeus/records.ts";
import { turnsDuring } from "../helpers/loop_turns.ts";

const conf = new TextEncoder().encode(`[vassal]\ncommand = "/bin/sleep"\n`);

/** Empty records, and the store of their configs. */
function records() {
  const vassals = new Map<string, VassalRecord>();
  return { emperors: new Map<string, EmperorRecord>(), vassals, configs: configsOf(vassals) };
}

function fleet() {
  const f = fakeFleet(5000);
  f.connect(1, "e1");
  f.connect(2, "e2");
  for (let i = 0; i < 30; i++) f.core.fileSet(`v${i}.toml`, conf);
  f.run(1, 100);
  f.run(2, 200);
  return f;
}

test("the sliced state is the state made at once, and the loop runs between its slices", async () => {
  const { core } = fleet();
  const { value: sliced, turns } = await turnsDuring(snapshotStateSliced(core.emperors, core.vassals, core.configs, 5000, (t) => t, 4));
  expect(sliced).toEqual(snapshotState(core.emperors, core.vassals, core.configs, 5000));
  expect(sliced.vassals).toHaveLength(30);
  expect(turns).toBeGreaterThanOrEqual(6); // 30 vassals, 4 a slice: 7 yields, counted from the first
});

test("an emperor that connects while the state is made is listed: the emperors are taken last", async () => {
  const f = fleet();
  const making = snapshotStateSliced(f.core.emperors, f.core.vassals, f.core.configs, 5000, (t) => t, 4);
  f.connect(3, "e3");
  const state = await making;
  expect(state.emperors.map((e) => e.node).sort()).toEqual(["e1", "e2", "e3"]);
});

test("a state restored a slice at a time makes the records a restore at once makes, and the loop runs between its slices", async () => {
  const { core } = fleet();
  const saved = snapshotState(core.emperors, core.vassals, core.configs, 5000);
  saved.destroying.push({ node: "e2", name: "gone.toml" });
  const whole = records();
  const awaitedWhole = restoreState(saved, whole.emperors, whole.vassals, whole.configs);
  const sliced = records();
  const { value: awaited, turns } = await turnsDuring(restoreStateSliced(saved, sliced.emperors, sliced.vassals, sliced.configs, 4));
  expect(sliced.vassals.size).toBe(30);
  expect(snapshotState(sliced.emperors, sliced.vassals, sliced.configs, 5000)).toEqual(
    snapshotState(whole.emperors, whole.vassals, whole.configs, 5000),
  );
  expect([...awaited].sort()).toEqual([...awaitedWhole].sort());
  expect(turns).toBeGreaterThanOrEqual(6); // 30 vassals, 4 a slice: 7 yields
});
