// A node whose log folder is a small tmpfs that fills up mid-stream and is freed: it
// answers ERROR (never OK) for what it could not record, its access.log never holds a
// partial or doubled line, every acknowledged message is logged once on every node, and
// its journal replays cleanly after writes that failed half-way.
import { afterAll, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { killAll, removeTmpDirs, tmpDir, waitFor } from "../helpers/procs.ts";
import { streamMessages } from "../helpers/wire_client.ts";
import { freeRingPorts, logLines, meshUp, startNode, writeRing } from "../helpers/ring_setup.ts";

const mounts: string[] = [];
afterAll(async () => {
  await killAll();
  for (const m of mounts) spawnSync("umount", ["-l", m]);
  removeTmpDirs();
});

/** Why this test cannot run here, or undefined when it can (root, and tmpfs mounts work). */
function cannotMount(): string | undefined {
  if (process.getuid?.() !== 0) return "needs root to mount a tmpfs";
  const probe = tmpDir("zogmount-");
  const r = spawnSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", probe]);
  if (r.status !== 0) return `mount -t tmpfs fails here: ${String(r.stderr).trim()}`;
  spawnSync("umount", [probe]);
  return undefined;
}

/** Writes filler into `dir` until the file system says ENOSPC; returns the filler's path. */
function fill(dir: string): string {
  const path = join(dir, "filler");
  const fd = openSync(path, "a");
  const chunk = Buffer.alloc(4096, 120);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOSPC") throw e;
  } finally {
    closeSync(fd);
  }
  return path;
}

const LINE = /^\d{8}T\d{6}Z (full-disk \d{4} x+)$/;

/** Checks every line of a node's access.log; returns the contents. */
function checkedContents(lines: string[], node: string): string[] {
  const contents = lines.map((l) => {
    const m = LINE.exec(l);
    if (!m) throw new Error(`${node} access.log holds a damaged line: ${JSON.stringify(l)}`);
    return m[1]!;
  });
  const doubled = contents.filter((c, i) => contents.indexOf(c) !== i);
  expect({ node, doubled }).toEqual({ node, doubled: [] });
  return contents;
}

const reason = cannotMount();
if (reason) console.log(`skipping the full-disk test: ${reason}`);

test.skipIf(reason !== undefined)(
  "full log folder: ERROR not OK, no partial or doubled access.log line, all acked messages once, clean replay",
  async () => {
    const ports = await freeRingPorts("127.6.1.11");
    const dir = tmpDir();
    const ring = writeRing(dir, "127.6.1", { names: ["A", "B"], ...ports, keepalive: 1 });
    const logDir = join(dir, "logs", "A");
    mkdirSync(logDir, { recursive: true });
    expect(spawnSync("mount", ["-t", "tmpfs", "-o", "size=16m", "tmpfs", logDir]).status).toBe(0);
    mounts.push(logDir);
    // A's journal and store share the full disk with its logs, as they do on a machine with
    // one file system: the journal is what a write must reach before OK.
    const aState = ["--state-dir", join(logDir, "state")];
    const procs = new Map(ring.names.map((n) => [n, startNode(ring, n, ports.statsPort, n === "A" ? aState : [])]));
    await waitFor(() => meshUp(ring, ports.statsPort), 10_000, "the two-node mesh");

    // Lines of different lengths, so failed writes stop at every kind of offset.
    const messages = Array.from({ length: 1500 }, (_, i) => ({
      id: `fd-${i}`,
      msg: `0full-disk ${String(i).padStart(4, "0")} ${"x".repeat(1 + ((i * 37) % 200))}\r\n`,
    }));
    const a = procs.get("A")!;
    const refusals = (): number => (a.stderr().match(/cannot record: \w+ write failed: ENOSPC/g) ?? []).length;
    let filled: (() => void) | undefined;
    const full = new Promise<void>((r) => (filled = r));
    const stream = streamMessages(ring.hosts, ring.clientPort, messages, {
      window: 8,
      attempts: 1000,
      timeoutMs: 3000,
      onProgress: (acked) => acked === 300 && filled!(),
    });
    await full;
    const filler = fill(logDir);
    // Full while A refuses a good number of batches (each a write that failed, some half-way).
    await waitFor(() => refusals() >= 30, 30_000, "A to refuse writes on the full disk");
    rmSync(filler);
    const result = await stream;
    expect(result.failed).toBe(0);
    expect(result.retries).toBeGreaterThan(0);

    const sent = messages.map((m) => m.msg.slice(1, -2));
    for (const n of ring.names) {
      await waitFor(() => logLines(ring, n).length >= sent.length, 40_000, `${n} to log every message`).catch((e) => {
        console.error(`A's stderr ends with:\n${a.stderr().slice(-3000)}`);
        throw e;
      });
    }
    for (const n of ring.names) expect(checkedContents(logLines(ring, n), n).sort()).toEqual([...sent].sort());

    // The journal replays without a torn line, and the restart doubles nothing.
    process.kill(a.pid, "SIGKILL");
    await a.exited;
    const again = startNode(ring, "A", ports.statsPort, aState);
    await waitFor(() => meshUp(ring, ports.statsPort), 10_000, "A back");
    expect(again.stderr()).not.toMatch(/torn lines/);
    expect(checkedContents(logLines(ring, "A"), "A").sort()).toEqual([...sent].sort());
  },
  120_000,
);
