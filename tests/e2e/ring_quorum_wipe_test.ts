// Issue 27's quorum check: kill -9 of the entry node right after quorum oks, then its files
// deleted and the node started again: it loses nothing (it fetches every message back from
// its peers), and every node's access.log holds each acknowledged message exactly once.
// LA and S are stopped while the messages are sent, so only MV, PA and G (the majority)
// hold them when MV dies: what MV still owed LA and S is gone with its files, and comes to
// them from MV's catch-up (or from PA's and G's own duties), once each.
import { afterAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { bin, killAll, removeTmpDirs, run, waitFor } from "../helpers/procs.ts";
import { accessContents, meshUp, settled, startNode, startTestRing, status } from "../helpers/ring_setup.ts";

afterAll(async () => {
  await killAll();
  removeTmpDirs();
});

describe("ack = quorum, the entry node's machine lost", () => {
  test("kill -9 right after the oks, files deleted, restarted: nothing lost, every acknowledged message once on every node", async () => {
    const { ring, stats, procs } = await startTestRing("127.5.29");
    const host = (name: string) => ring.hosts[ring.names.indexOf(name)]!;
    const sprog = (text: string, count: number) =>
      run(bin("sprog"), [
        "--server",
        `${host("MV")}:${ring.clientPort}`,
        "--ack",
        "quorum",
        "--timeout",
        "10",
        "-i",
        "0",
        "-n",
        String(count),
        "-m",
        text,
      ]);

    const first = await sprog("all up", 50);
    expect(first.stdout).toMatch(/^50 sent, 50 acked, 0 failed in /);
    for (const n of ["LA", "S"]) process.kill(procs.get(n)!.pid, "SIGSTOP");
    const down = async (peer: string) =>
      (await status(ring, "MV", stats))?.links.find((l: { peer: string }) => l.peer === peer)?.state === "down";
    await waitFor(async () => (await down("LA")) && (await down("S")), 15_000, "MV's links to the stopped LA and S down");
    const second = await sprog("majority only", 100);
    expect(second.stdout).toMatch(/^100 sent, 100 acked, 0 failed in /);

    const mv = procs.get("MV")!;
    process.kill(mv.pid, "SIGKILL");
    await mv.exited;
    rmSync(join(ring.dir, "logs", "MV"), { recursive: true, force: true });
    rmSync(join(ring.dir, "state", "MV"), { recursive: true, force: true });
    for (const n of ["LA", "S"]) process.kill(procs.get(n)!.pid, "SIGCONT");
    const again = startNode(ring, "MV", stats);
    procs.set("MV", again);
    await waitFor(() => meshUp(ring, stats), 20_000, "MV back in the mesh");

    const want = [...Array(50).fill("all up"), ...Array(100).fill("majority only")];
    for (const n of ring.names)
      await waitFor(
        () => accessContents(ring, n).length >= want.length,
        20_000,
        `${n} to log ${want.length} lines (has ${accessContents(ring, n).length})`,
      );
    await waitFor(() => settled(ring, stats), 20_000, "every backlog empty");
    await waitFor(() => /catch-up from the peers/.test(again.stderr()), 10_000, "MV to say what it caught up");
    for (const n of ring.names) expect({ n, got: accessContents(ring, n).sort() }).toEqual({ n, got: want.sort() });
    const said = again.stderr().match(/catch-up from the peers[^\n]*/)![0];
    expect(said).toContain("150 messages this node lacked logged here");
    console.log(said);
    for (const p of procs.values()) process.kill(p.pid, "SIGTERM");
    for (const p of procs.values()) expect(await p.exited).toBe(0);
  }, 120_000);
});
