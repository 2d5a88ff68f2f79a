// An emperor spawning a burst of vassals still heartbeats on time (zeus would declare it dead).
import { afterAll, afterEach, expect, test } from "bun:test";
import { removeTmpDirs } from "../helpers/procs.ts";
import { allRunning, sleeper, startEmperor, startZeus, stopAll, writeVassals } from "./_zeus.ts";

afterEach(stopAll);
afterAll(removeTmpDirs);

test("1000 vassals placed on one emperor: its heartbeat ticks stay under twice the period", async () => {
  const z = await startZeus();
  const e = await startEmperor("e1", `zeus:127.0.0.1:${z.port}`, ["--heartbeat", "1", "--max-vassals", "1000"]);
  writeVassals(z.dir, Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`v${i}.toml`, sleeper()])));
  await allRunning(z, 1000, 120_000);
  const s = (await e.status()) as unknown as { zeus: { heartbeat_gap_max_ms: number } };
  console.log(`longest heartbeat gap while spawning 1000 vassals: ${s.zeus.heartbeat_gap_max_ms} ms`);
  expect(s.zeus.heartbeat_gap_max_ms).toBeLessThan(2000);
}, 180_000);
