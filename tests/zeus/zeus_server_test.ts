// zeus judges heartbeats on a monotonic clock: a step of the system time (an NTP step, as
// libfaketime showed: every emperor declared dead at once after a 30 s forward step) declares
// no emperor dead, and the wall clock only dates what /status shows.
import { afterAll, afterEach, expect, test } from "bun:test";
import { dial } from "../../lib/net/mod.ts";
import { encodePacket } from "../../lib/packet/mod.ts";
import { dirSource } from "../../lib/zeus/vassal_source.ts";
import { startZeus, type ZeusServer } from "../../lib/zeus/zeus_server.ts";
import { zeusStatus } from "../../lib/zeus/zeus_status.ts";
import { encodeMessage, type ZeusMessage } from "../../lib/zeus_protocol/mod.ts";
import { FakeClock } from "../helpers/fake_clock.ts";
import { freePort, removeTmpDirs, tmpDir, waitFor } from "../helpers/procs.ts";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(removeTmpDirs);

const WALL = Date.parse("2026-01-01T00:00:00Z");

async function zeusWithEmperor(clock: FakeClock): Promise<ZeusServer> {
  const z = await startZeus({
    host: "127.0.0.1",
    port: await freePort(),
    vassals: dirSource(tmpDir("zeus-clock-")),
    deadAfterMs: 5000,
    clock,
  });
  cleanups.push(() => z.stop());
  const conn = await dial({ host: "127.0.0.1", port: z.port });
  cleanups.push(() => conn.close());
  const send = (m: ZeusMessage) => conn.write(encodePacket(encodeMessage(m)));
  send({ type: "I_AM_ALIVE", node: "e1", maxVassals: 4, runningVassals: 0 });
  send({ type: "REPORT_END", count: 0 });
  await waitFor(() => z.core.emperors.get("e1")?.ready === true, 5000, "e1 reported");
  return z;
}

const e1 = (z: ZeusServer) => zeusStatus(z.core).emperors.find((e) => e.node === "e1")!;

test("a 30 s forward step of the wall clock declares no emperor dead; its heartbeat shows on the wall clock", async () => {
  const clock = new FakeClock(WALL, 5_000);
  const z = await zeusWithEmperor(clock);
  expect(e1(z).last_heartbeat).toBe("2026-01-01T00:00:00.000Z");
  clock.setWall(WALL + 30_000);
  clock.advance(1000); // ten ticks
  expect(e1(z).alive).toBe(true);
  expect(z.core.counters.emperors_lost).toBe(0);
  // Shown on the wall clock as it is now: the heartbeat came 1 s before it.
  expect(e1(z).last_heartbeat).toBe("2026-01-01T00:00:30.000Z");
});

test("a backward step does not keep a silent emperor alive: --dead-after is counted on the monotonic clock", async () => {
  const clock = new FakeClock(WALL, 5_000);
  const z = await zeusWithEmperor(clock);
  clock.setWall(WALL - 60_000);
  clock.advance(5100);
  expect(e1(z).alive).toBe(false);
  expect(z.core.counters.emperors_lost).toBe(1);
});
