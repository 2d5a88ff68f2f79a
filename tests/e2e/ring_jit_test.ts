// The zog daemon runs without the FTL JIT (lib/proc/jit_tier.ts): a compiled node started
// without BUN_JSC_useFTLJIT starts itself again as the same process with it set to 0, and
// still serves; one started with the variable keeps it.
import { afterAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { bin, killAll, removeTmpDirs, start, tmpDir, waitFor } from "../helpers/procs.ts";
import { WireClient } from "../helpers/wire_client.ts";
import { accessContents, freeRingPorts, meshUp, startNode, writeRing } from "../helpers/ring_setup.ts";

afterAll(async () => {
  await killAll();
  removeTmpDirs();
});

/** The process's environment as the kernel holds it (what execve gave it). */
function environ(pid: number): string[] {
  return readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
}

test("a node runs with BUN_JSC_useFTLJIT=0 under the pid it was started as, unless the variable was given", async () => {
  const ports = await freeRingPorts("127.1.31.11");
  const ring = writeRing(tmpDir(), "127.1.31", { names: ["A", "B"], ...ports, keepalive: 1 });
  const a = startNode(ring, "A", ports.statsPort);
  const b = start(bin("zog"), ["--config", ring.config, "--node", "B", "--stats", `${ring.hosts[1]}:${ports.statsPort}`], {
    env: { ...process.env, BUN_JSC_useFTLJIT: "1" },
  });
  await waitFor(() => meshUp(ring, ports.statsPort), 10_000, "the two-node mesh");
  expect(environ(a.pid)).toContain("BUN_JSC_useFTLJIT=0");
  expect(environ(b.pid)).toContain("BUN_JSC_useFTLJIT=1");
  expect(readFileSync(`/proc/${a.pid}/cmdline`, "utf8").split("\0")).toContain("--node");
  const c = await WireClient.connect(ring.hosts[0]!, ring.clientPort);
  expect(await c.send("jit-1", "0through both\r\n")).toBeUndefined();
  await waitFor(() => accessContents(ring, "B").includes("through both"), 5000, "B to log it");
  c.close();
}, 30_000);

test("sprog streaming without pause runs with BUN_JSC_useFTLJIT=0 under its pid; sending on an interval keeps FTL", async () => {
  const ports = await freeRingPorts("127.1.13.11");
  const ring = writeRing(tmpDir(), "127.1.13", { names: ["A", "B"], ...ports, keepalive: 1 });
  startNode(ring, "A", ports.statsPort);
  startNode(ring, "B", ports.statsPort);
  await waitFor(() => meshUp(ring, ports.statsPort), 10_000, "the two-node mesh");
  const server = `${ring.hosts[0]}:${ring.clientPort}`;
  const env = { ...process.env, BUN_JSC_useFTLJIT: undefined };
  const sent = (text: string) => accessContents(ring, "A").filter((c) => c === text).length;
  const stream = start(bin("sprog"), ["--server", server, "-i", "0", "--window", "8", "-m", "ftl stream", "-q"], { env });
  await waitFor(() => sent("ftl stream") >= 100, 10_000, "the stream's messages");
  expect(environ(stream.pid)).toContain("BUN_JSC_useFTLJIT=0");
  process.kill(stream.pid, "SIGKILL");
  await stream.exited;
  const paced = start(bin("sprog"), ["--server", server, "-i", "0.5", "-n", "3", "-m", "ftl paced", "-q"], { env });
  await waitFor(() => sent("ftl paced") >= 1, 10_000, "the first paced message");
  expect(environ(paced.pid).some((v) => v.startsWith("BUN_JSC_useFTLJIT="))).toBe(false);
  expect(await paced.exited).toBe(0);
  expect(sent("ftl paced")).toBe(3);
}, 30_000);
