import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { killAll, type Proc, removeTmpDirs, waitFor } from "../helpers/procs.ts";
import { accessContents, meshUp, settled, startNode, startTestRing, type TestRing } from "../helpers/ring_setup.ts";
import { streamMessages, WireClient } from "../helpers/wire_client.ts";

let STATS = 0;
let ring: TestRing;
let procs = new Map<string, Proc>();

beforeAll(async () => {
  ({ ring, stats: STATS, procs } = await startTestRing("127.1.12"));
});

afterAll(async () => {
  await killAll();
  removeTmpDirs();
});

/** fsync and fdatasync on x86_64 and on arm64 (what /proc/PID/task/TID/syscall starts with). */
const FSYNC_CALLS = process.arch === "arm64" ? ["82", "83"] : ["74", "75"];

/**
 * Whether `pid`'s main thread is inside fsync right now: the journal's group commit, whose
 * messages are not acknowledged yet. The store's checkpoint syncs on the thread pool, with
 * nothing waiting on it (once the kill hit one of those, every message sent was already
 * acknowledged and the test had nothing in flight to check).
 */
function inFsync(pid: number): boolean {
  try {
    const call = readFileSync(`/proc/${pid}/task/${pid}/syscall`, "utf8").split(" ")[0]!;
    return FSYNC_CALLS.includes(call);
  } catch {
    return false; // the process ended while being read: not in fsync
  }
}

const host = (name: string) => ring.hosts[ring.names.indexOf(name)]!;

describe("kill -9 while a group fsync runs", () => {
  test("loses nothing the node acknowledged, and a client's retries leave every message logged once everywhere", async () => {
    const victim = "LA";
    const msgs = Array.from({ length: 20_000 }, (_, i) => {
      const content = `pending ${String(i).padStart(5, "0")} ${"q".repeat(24)}`;
      return { id: `pending-${i}`, msg: `0${content}\r\n`, content };
    });
    const acked = new Set<number>();
    let next = 0;
    let before = new Set<number>();
    // A kill that finds the node in an fsync with nothing unacknowledged (the OKs it sent just
    // before were still unread here) tests nothing: the node is started again and killed again.
    for (let attempt = 1; ; attempt++) {
      const client = await WireClient.connect(host(victim), ring.clientPort);
      let killedAt = -1;
      const pid = procs.get(victim)!.pid;
      // 64 in flight through the victim alone: its group fsyncs run back to back.
      const sender = async (): Promise<void> => {
        while (next < msgs.length && killedAt < 0) {
          const i = next++;
          if ((await client.send(msgs[i]!.id, msgs[i]!.msg)) === undefined) acked.add(i);
        }
      };
      const senders = Promise.all(Array.from({ length: 64 }, sender));
      const from = acked.size;
      await waitFor(() => acked.size >= from + 2000, 30_000, "2000 acknowledgements from the victim");
      // Polled until a thread of the node is seen inside fsync, then killed at once.
      await waitFor(() => inFsync(pid), 30_000, `${victim} inside an fsync`);
      process.kill(pid, "SIGKILL");
      killedAt = acked.size;
      await procs.get(victim)!.exited;
      await senders;
      before = new Set(acked);
      console.log(`killed during an fsync after ${before.size} acknowledgements, ${next - before.size} sent without one`);
      procs.set(victim, startNode(ring, victim, STATS));
      await waitFor(() => meshUp(ring, STATS), 30_000, "the mesh with the restarted node");
      if (next > before.size) break;
      expect(attempt).toBeLessThan(5);
    }
    // What the victim acknowledged is in its own access.log once it is back (recovered from its journal).
    const wantAcked = [...before].map((i) => msgs[i]!.content);
    const mine = (n: string) => new Set(accessContents(ring, n).filter((c) => c.startsWith("pending ")));
    await waitFor(() => wantAcked.every((c) => mine(victim).has(c)), 30_000, `${victim} to hold all it acknowledged`);
    // The client retries what it had no answer for, same ids, through another node.
    const rest = msgs.filter((_, i) => !before.has(i));
    const retried = await streamMessages([host("MV"), host("PA")], ring.clientPort, rest, { window: 32, timeoutMs: 5000 });
    expect(retried.failed).toBe(0);
    const all = msgs.map((m) => m.content).sort();
    for (const n of ring.names) {
      const logged = () => accessContents(ring, n).filter((c) => c.startsWith("pending "));
      await waitFor(() => logged().length >= all.length, 60_000, `${n} to hold all ${all.length} messages`);
    }
    await waitFor(() => settled(ring, STATS), 30_000, "every backlog empty");
    for (const n of ring.names) {
      expect(
        accessContents(ring, n)
          .filter((c) => c.startsWith("pending "))
          .sort(),
      ).toEqual(all);
    }
  }, 240_000);
});
