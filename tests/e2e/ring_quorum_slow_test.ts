// ack = "quorum" with a hop that hangs: stopped (SIGSTOP), its connections still open, so
// the entry node takes up to 4 s to find it hung. A quorum message goes to the forwarding
// rule's hops alone while they answer; one whose hops have not all answered within
// QUORUM_WIDEN_MS (500 ms) goes to every other node, so the client's ok does not wait for
// the hung hop to be found.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { bin, killAll, removeTmpDirs, run, waitFor } from "../helpers/procs.ts";
import { loggedContents, meshUp, type RunningRing, startRing } from "../helpers/ring_setup.ts";

let ring: RunningRing;

beforeAll(async () => {
  // keepalive 5: the probe period is 2 s, so a hung peer is found after 4 s without a word.
  ring = await startRing("127.1.29");
  await waitFor(() => meshUp(ring, ring.statsPort), 20_000, "the five-node mesh");
});

afterAll(async () => {
  await killAll();
  removeTmpDirs();
});

describe("ack = quorum, a hop hung", () => {
  test("MV's first hop (PA) stopped: quorum oks come within 2.5 s, held by the majority that answered", async () => {
    const pa = ring.nodes[1]!.proc!;
    process.kill(pa.pid, "SIGSTOP");
    try {
      const server = `${ring.nodes[0]!.host}:${ring.clientPort}`;
      const r = await run(bin("sprog"), ["--server", server, "--ack", "quorum", "--timeout", "2.5", "-i", "0", "-n", "5", "-m", "PA hung"]);
      expect(r.stderr).toBe("");
      expect(r.stdout).toMatch(/^5 sent, 5 acked, 0 failed in /);
      // Every node but PA holds each of them once: MV sent them to LA and S itself.
      for (const i of [0, 2, 3, 4]) {
        const log = ring.nodes[i]!.accessLog;
        await waitFor(() => loggedContents(log).filter((c) => c === "PA hung").length === 5, 10_000, `${ring.nodes[i]!.name} to log them`);
        expect(loggedContents(log).filter((c) => c === "PA hung")).toHaveLength(5);
      }
    } finally {
      process.kill(pa.pid, "SIGCONT");
    }
  });
});
