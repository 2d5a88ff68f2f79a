import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bin, killAll, type Proc, removeTmpDirs, run, tmpDir, waitFor } from "../helpers/procs.ts";
import { streamMessages } from "../helpers/wire_client.ts";
import { accessContents, freeRingPorts, meshUp, settled, startNode, status, type TestRing, writeRing } from "../helpers/ring_setup.ts";

afterAll(async () => {
  await killAll();
  removeTmpDirs();
});

const NAMES = ["A", "B", "C"];

async function startRing(prefix: string): Promise<{ ring: TestRing; stats: number; procs: Map<string, Proc> }> {
  const ports = await freeRingPorts(`${prefix}.11`);
  const ring = writeRing(tmpDir(), prefix, { names: NAMES, ...ports, keepalive: 1 });
  const procs = new Map(NAMES.map((n) => [n, startNode(ring, n, ports.statsPort)]));
  await waitFor(() => meshUp(ring, ports.statsPort), 15_000, "the mesh");
  return { ring, stats: ports.statsPort, procs };
}

async function send(ring: TestRing, tag: string, n: number): Promise<string[]> {
  const msgs = Array.from({ length: n }, (_, i) => ({ id: `${tag}-${i}`, msg: `0${tag} ${i}\r\n` }));
  const r = await streamMessages(ring.hosts, ring.clientPort, msgs, { window: 8 });
  expect(r.failed).toBe(0);
  return msgs.map((_, i) => `${tag} ${i}`);
}

/** Every node holds exactly `expected` (in any order), each line once. */
async function expectEveryNodeHolds(ring: TestRing, stats: number, expected: string[]): Promise<void> {
  for (const n of NAMES)
    await waitFor(() => accessContents(ring, n).length >= expected.length, 20_000, `${n} to log ${expected.length} lines`);
  await waitFor(() => settled(ring, stats), 20_000, "every backlog empty");
  for (const n of NAMES) expect(accessContents(ring, n).sort()).toEqual([...expected].sort());
}

async function stop(procs: Map<string, Proc>, name: string): Promise<void> {
  process.kill(procs.get(name)!.pid, "SIGTERM");
  expect(await procs.get(name)!.exited).toBe(0);
}

describe("state_dir holds the journal and the store", () => {
  test("a node of the older layout (journal.log and store.db in its log folder) moves them over on first start", async () => {
    const { ring, stats, procs } = await startRing("127.1.31");
    const first = await send(ring, "old", 60);
    await expectEveryNodeHolds(ring, stats, first);
    await stop(procs, "A");
    const state = join(ring.dir, "state", "A");
    const logs = join(ring.dir, "logs", "A");
    renameSync(join(state, "journal"), join(logs, "journal.log"));
    for (const f of ["store.db", "store.db-wal", "store.db-shm"]) if (existsSync(join(state, f))) renameSync(join(state, f), join(logs, f));
    rmSync(state, { recursive: true });
    const a = startNode(ring, "A", stats);
    procs.set("A", a);
    await waitFor(() => /moved .*logs\/A\/journal\.log to .*state\/A\/journal \(state_dir/.test(a.stderr()), 10_000, "the move");
    // Logged right after the journal's line, but it may reach this process in a later read.
    await waitFor(() => /moved .*logs\/A\/store\.db to .*state\/A\/store\.db/.test(a.stderr()), 10_000, "the store's move");
    expect(existsSync(join(logs, "journal.log"))).toBe(false);
    await waitFor(() => meshUp(ring, stats), 15_000, "the mesh again");
    // The store came along: its numbering goes on from the 60 messages logged before.
    expect((await status(ring, "A", stats)).store.last_seq).toBe(60);
    const second = await send(ring, "new", 60);
    await expectEveryNodeHolds(ring, stats, [...first, ...second]);
    expect((await status(ring, "A", stats)).store.last_seq).toBe(120);
  }, 90_000);

  test("a node whose journal is missing while its store holds messages refuses to start; --rebuild-journal rebuilds it", async () => {
    const { ring, stats, procs } = await startRing("127.1.32");
    const first = await send(ring, "before", 60);
    await expectEveryNodeHolds(ring, stats, first);
    await stop(procs, "A");
    const journal = join(ring.dir, "state", "A", "journal");
    rmSync(journal);
    const refused = await run(bin("zog"), ["--config", ring.config, "--node", "A"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `the journal ${journal} is missing or empty while ${join(ring.dir, "state", "A", "store.db")} holds 60 messages`,
    );
    expect(refused.stderr).toContain("--rebuild-journal");
    expect(existsSync(journal)).toBe(false);
    // Messages sent while A is down reach it from its peers once it is back.
    const down = await send({ ...ring, hosts: ring.hosts.slice(1) }, "down", 30);
    const a = startNode(ring, "A", stats, ["--rebuild-journal"]);
    procs.set("A", a);
    await waitFor(
      () => /journal rebuilt from .*store\.db: 60 ids remembered, 60 messages to be sent again/.test(a.stderr()),
      10_000,
      "the rebuild",
    );
    const after = await send(ring, "after", 60);
    await expectEveryNodeHolds(ring, stats, [...first, ...down, ...after]);
  }, 90_000);

  test("zog --check says which folder cannot be written, at its line of ring.toml or its flag", async () => {
    const dir = tmpDir();
    writeFileSync(join(dir, "state"), "");
    const ring = writeRing(dir, "127.1.33", { names: ["A", "B"], peerPort: 55551, clientPort: 55552 });
    const r = await run(bin("zog"), ["--check", "--config", ring.config, "--node", "A"]);
    expect(r.stderr).toBe(`${ring.config}:5: state_dir ${join(dir, "state", "A")} cannot be made: ${join(dir, "state")} is not a folder\n`);
    expect(r.code).toBe(2);
    const flag = await run(bin("zog"), [
      "--check",
      "--config",
      ring.config,
      "--node",
      "A",
      "--state-dir",
      join(dir, "s"),
      "--log-dir",
      join(dir, "state", "x"),
    ]);
    expect(flag.stderr).toBe(`--log-dir ${join(dir, "state", "x")} cannot be made: ${join(dir, "state")} is not a folder\n`);
    expect(flag.code).toBe(2);
  }, 20_000);
});
