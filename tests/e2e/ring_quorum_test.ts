// ack = "quorum" on five real zog nodes: `ok` only once a majority (3 of 5) holds a message
// durably. Two nodes down: quorum oks go on; three down: ERROR, never ok.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { bin, killAll, type Proc, removeTmpDirs, run } from "../helpers/procs.ts";
import { accessContents, startTestRing, type TestRing } from "../helpers/ring_setup.ts";

let ring: TestRing;
let procs = new Map<string, Proc>();

beforeAll(async () => {
  ({ ring, procs } = await startTestRing("127.1.27"));
});

afterAll(async () => {
  await killAll();
  removeTmpDirs();
});

const host = (name: string) => ring.hosts[ring.names.indexOf(name)]!;

/** Sends `count` messages through MV alone with sprog. */
function sprog(text: string, count: number, ack: "local" | "quorum", timeout = 3) {
  const server = `${host("MV")}:${ring.clientPort}`;
  return run(bin("sprog"), ["--server", server, "--ack", ack, "--timeout", String(timeout), "-i", "0", "-n", String(count), "-m", text]);
}

async function kill(name: string): Promise<void> {
  const p = procs.get(name)!;
  process.kill(p.pid, "SIGKILL");
  await p.exited;
}

describe("ack = quorum", () => {
  test("with all five up, a quorum ok is logged on every node", async () => {
    const r = await sprog("all five up", 20, "quorum");
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^20 sent, 20 acked, 0 failed in /);
  });

  test("two of five killed (PA and LA: MV's first hop and G's): quorum oks continue", async () => {
    await kill("PA");
    await kill("LA");
    const r = await sprog("two down", 20, "quorum");
    expect(r.stderr).toBe("");
    // No retry: MV learns of each holder itself (a retry would reach every node and hide a miscount).
    expect(r.stdout).toMatch(/^20 sent, 20 acked, 0 failed in /);
    // The majority that acknowledged holds every one of them.
    for (const n of ["MV", "G", "S"]) expect(accessContents(ring, n).filter((c) => c === "two down")).toHaveLength(20);
  });

  test("three of five killed: the client gets ERROR and no ok; local acks still work", async () => {
    await kill("G");
    const r = await sprog("three down", 1, "quorum", 2);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toMatch(/^1 sent, 0 acked, 1 failed/);
    expect(r.stderr).toContain("not acknowledged within 2 s");
    // The same ring still acknowledges locally: only the quorum was out of reach.
    const local = await sprog("three down, local", 3, "local");
    expect(local.stdout).toMatch(/^3 sent, 3 acked, 0 failed/);
  });
});
