// A ring node under `ulimit -n 128` whose descriptors a flood of idle clients takes (max_clients
// set past what the limit leaves): it records what its peer forwards meanwhile (journal,
// access.log, store, checkpoints, page drops on their timers), a SIGHUP after logrotate moved
// access.log says in one line that it cannot reopen and writes on to the moved file, and once
// the flood is gone it reopens, serves, and has lost nothing. A guard: the node's timers were
// made safe in 7492f18 (/proc/self/status) and this passed on the code after it.
import { afterAll, expect, test } from "bun:test";
import { existsSync, renameSync } from "node:fs";
import type { Socket } from "node:net";
import { join } from "node:path";
import { bin, killAll, removeTmpDirs, start, tmpDir, waitFor } from "../helpers/procs.ts";
import { rawConnect } from "../helpers/raw_socket.ts";
import { WireClient } from "../helpers/wire_client.ts";
import { freeRingPorts, logLines, meshUp, startNode, writeRing } from "../helpers/ring_setup.ts";
import { alive } from "./_emperor.ts";

afterAll(async () => {
  await killAll();
  removeTmpDirs();
});

const LIMIT = 128;

test(`out of descriptors (ulimit -n ${LIMIT}, a flood of idle clients): a node records, survives a SIGHUP it cannot honour, and loses nothing`, async () => {
  const ports = await freeRingPorts("127.6.9.11");
  const ring = writeRing(tmpDir(), "127.6.9", { names: ["A", "B"], ...ports, keepalive: 1, extra: "client_idle = 60\nmax_clients = 1000" });
  const [hostA, hostB] = ring.hosts as [string, string];
  const cmd = `ulimit -n ${LIMIT} && exec ${bin("zog")} --config ${ring.config} --node A --stats ${hostA}:${ports.statsPort}`;
  const a = start("sh", ["-c", cmd]);
  startNode(ring, "B", ports.statsPort);
  await waitFor(() => meshUp(ring, ports.statsPort), 10_000, "the mesh");

  const flood: Socket[] = [];
  for (let i = 0; i < 200; i++) flood.push(await rawConnect(hostA, ring.clientPort).then((s) => s.on("error", () => {})));
  await waitFor(() => /running out of file descriptors/.test(a.stderr()), 10_000, "the shortage logged");
  const b = await WireClient.connect(hostB, ring.clientPort);
  for (let i = 0; i < 20; i++) expect(await b.send(`during-${i}`, `0during ${i}\r\n`)).toBeUndefined();
  // logrotate moves access.log away and asks for a reopen, which needs a descriptor.
  const logs = join(ring.dir, "logs", "A");
  renameSync(join(logs, "access.log"), join(logs, "access.log.1"));
  process.kill(a.pid, "SIGHUP");
  await waitFor(() => /SIGHUP: cannot reopen logs: EMFILE/.test(a.stderr()), 10_000, "the failed reopen said");
  for (let i = 20; i < 40; i++) expect(await b.send(`during-${i}`, `0during ${i}\r\n`)).toBeUndefined();
  const moved = () => logLines(ring, "A", "access.log.1").filter((l) => l.includes("during ")).length;
  await waitFor(() => moved() === 40, 10_000, "A to log all 40 into the moved file");
  expect(alive(a.pid)).toBe(true);

  for (const s of flood) s.destroy();
  // Asked again until A has its descriptors back (it closes the flood's as it sees them go).
  await waitFor(() => existsSync(join(logs, "access.log")) || void process.kill(a.pid, "SIGHUP"), 20_000, "A to reopen access.log");
  await waitFor(
    async () => {
      const c = await WireClient.connect(hostA, ring.clientPort).catch(() => undefined);
      const error = c ? await c.send("after", "0after the flood\r\n") : "no connection";
      c?.close();
      return error === undefined;
    },
    20_000,
    "A served again",
  );
  await waitFor(() => logLines(ring, "A").some((l) => l.endsWith("after the flood")), 10_000, "A's new access.log");
  expect(moved()).toBe(40);
  expect(a.stderr()).not.toMatch(/unexpected error/);
  b.close();
  expect(alive(a.pid)).toBe(true);
}, 90_000);
