// A node whose peer is not running (its host refuses the connection) redials it with a
// backoff growing to 30 s, not every 2 s: a node alone should not wake for a peer that is
// not there (issue 26). The peer is still found at once when it starts: it dials every
// peer, and its accepted HELLO makes the other node dial back without waiting.
import { afterAll, expect, test } from "bun:test";
import { killAll, removeTmpDirs, tmpDir, waitFor } from "../helpers/procs.ts";
import { freeRingPorts, meshUp, startNode, writeRing } from "../helpers/ring_setup.ts";

afterAll(async () => {
  await killAll();
  removeTmpDirs();
});

const DIAL_FAILED = /cannot reach B: cannot connect to [\d.:]+: ECONNREFUSED/g;

test("a peer that is not running is redialled less and less often, and found at once when it starts", async () => {
  const ports = await freeRingPorts("127.1.26.11");
  const ring = writeRing(tmpDir(), "127.1.26", { names: ["A", "B"], ...ports, keepalive: 30 });
  const a = startNode(ring, "A", ports.statsPort);
  await waitFor(() => a.stderr().match(DIAL_FAILED), 10_000, "A's first dial to B to fail");
  // The absence itself is what is measured: 20 s without B.
  await Bun.sleep(20_000);
  // Redials every 2 s at most (less up to 20 %) made 12 or more failed dials by now; a backoff doubling from
  // 250 ms (less up to 20 %) makes at most 8: 0, 0.25, 0.75, 1.75, 3.75, 7.75, 15.75 s.
  const dials = a.stderr().match(DIAL_FAILED)?.length ?? 0;
  expect(dials).toBeGreaterThanOrEqual(5);
  expect(dials).toBeLessThanOrEqual(8);
  const started = performance.now();
  startNode(ring, "B", ports.statsPort);
  // A's own next redial is up to 16 s away: the mesh is whole this soon only through B's HELLO.
  await waitFor(() => meshUp(ring, ports.statsPort), 6000, "the mesh once B runs");
  console.log(
    `A dialled the absent B ${dials} times in 20 s; the mesh was whole ${((performance.now() - started) / 1000).toFixed(1)} s after B started`,
  );
}, 60_000);
