// The emperor's link leaves a silent zeus after the silence it allows, measured on the
// monotonic clock: a step of the system time neither makes a live zeus look silent nor
// hides a silent one.
import { afterAll, afterEach, expect, test } from "bun:test";
import { Supervisor } from "../../lib/emperor/supervisor.ts";
import { ZeusLink } from "../../lib/emperor/zeus_link.ts";
import { dirSource } from "../../lib/zeus/vassal_source.ts";
import { startZeus } from "../../lib/zeus/zeus_server.ts";
import { FakeClock } from "../helpers/fake_clock.ts";
import { freePort, removeTmpDirs, tmpDir, waitFor } from "../helpers/procs.ts";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(removeTmpDirs);

test("with several zeus, a silent one is left after 5 s of monotonic time, whatever the wall clock does", async () => {
  // A single zeus sends nothing unasked after the emperor's report: it is silent, as a paused leader would be.
  const z = await startZeus({ host: "127.0.0.1", port: await freePort(), vassals: dirSource(tmpDir("link-zeus-")), deadAfterMs: 60_000 });
  cleanups.push(() => z.stop());
  const sup = new Supervisor({ stateDir: tmpDir("link-emp-") });
  await sup.start();
  cleanups.push(() => sup.stopAll());
  const clock = new FakeClock(Date.parse("2026-01-01T00:00:00Z"), 10_000);
  const others = [{ host: "127.0.0.1", port: await freePort() }];
  const link = new ZeusLink(sup, { host: "127.0.0.1", port: z.port, others, node: "n1", maxVassals: 4, heartbeatMs: 1000, clock });
  cleanups.push(() => link.stop());
  link.start();
  await waitFor(() => z.core.emperors.get("n1")?.ready, 5000, "the emperor reported to zeus");
  expect(link.status().state).toBe("connected");
  expect(link.status().connected_since).toBe("2026-01-01T00:00:00.000Z");

  clock.setWall(Date.parse("2026-01-01T00:01:00Z")); // a minute forward: nothing was silent for a minute
  clock.advance(4000);
  expect(link.status().state).toBe("connected");
  expect(link.status().connected_since).toBe("2026-01-01T00:01:00.000Z"); // shown on the wall clock as it is now
  clock.setWall(Date.parse("2025-12-31T23:00:00Z")); // an hour back: the silence still counts
  clock.advance(2000);
  await waitFor(() => link.status().state === "waiting", 5000, "the link left the silent zeus");
  await waitFor(() => z.core.emperors.get("n1")?.alive === false, 5000, "zeus saw the emperor go");
}, 20_000);
