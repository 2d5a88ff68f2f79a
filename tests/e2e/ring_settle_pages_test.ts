// A quiet node drops its executable's pages again right after one-off work (a failed dial),
// instead of keeping them until its next idle check up to 10 s later (issue 26): the pages
// such work brings back were most of a node alone's RSS above 30 MB between 5 and 15 s.
import { afterAll, expect, test } from "bun:test";
import { killAll, removeTmpDirs, tmpDir, waitFor } from "../helpers/procs.ts";
import { freeRingPorts, startNode, writeRing } from "../helpers/ring_setup.ts";

afterAll(async () => {
  await killAll();
  removeTmpDirs();
});

const DIAL_FAILED = /cannot reach B: cannot connect to [\d.:]+: ECONNREFUSED/;
const SETTLED = /after one-off work: memory given back, resident ([\d.]+) -> ([\d.]+) MiB/;

test("a node alone drops the pages of a failed dial to its absent peer right after it", async () => {
  const ports = await freeRingPorts("127.1.27.11");
  const ring = writeRing(tmpDir(), "127.1.27", { names: ["A", "B"], ...ports, keepalive: 30 });
  const a = startNode(ring, "A", ports.statsPort);
  await waitFor(() => DIAL_FAILED.test(a.stderr()), 10_000, "A's first dial to B to fail");
  const line = await waitFor(() => SETTLED.exec(a.stderr()), 10_000, "a drop after the failed dial").catch((e: Error) => {
    throw new Error(`${e.message}; node A's log ends: ${a.stderr().slice(-1500)}`);
  });
  expect(Number(line[2])).toBeLessThan(Number(line[1]));
  // The drop follows a failed dial, not the start-up's own drop at 2 s or an idle check.
  const log = a.stderr();
  expect(log.search(DIAL_FAILED)).toBeLessThan(log.search(SETTLED));
  expect(log).not.toMatch(/panic|Segmentation|SIGSEGV/);
}, 30_000);
