/**
 * Helpers of the listener tests: a two-node ring, sprog sending lines, sprog listen and
 * what it printed.
 *
 * @module
 */
import { expect } from "bun:test";
import { bin, type Proc, run, start, tmpDir, waitFor } from "../helpers/procs.ts";
import { freeRingPorts, meshUp, startNode, type TestRing, writeRing } from "../helpers/ring_setup.ts";

/** The whole lines `SEQ ORIGIN ID CONTENT` a sprog listen printed so far. */
export function printed(p: Proc): { seq: number; id: string; content: string }[] {
  const out = p.stdout();
  // Only whole lines: the last one may still be arriving.
  return out
    .slice(0, out.lastIndexOf("\n") + 1)
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => {
      const [seq, , id, ...rest] = l.split(" ");
      return { seq: Number(seq), id: id!, content: rest.join(" ") };
    });
}

/** Sends `lines` through sprog (one message each) to `host`; resolves when all are acknowledged. */
export async function send(ring: TestRing, host: string, lines: string[], window = 32): Promise<void> {
  const r = await run(bin("sprog"), ["--server", `${host}:${ring.clientPort}`, "-m", "-", "-i", "0", "--window", String(window), "-q"], {
    input: `${lines.join("\n")}\n`,
  });
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
}

/** A two-node ring A, B on `net` with free ports (plus more ring.toml). */
export async function twoNodes(net: string, extra = ""): Promise<{ ring: TestRing; stats: number; procs: Map<string, Proc> }> {
  const ports = await freeRingPorts(`${net}.11`);
  const ring = writeRing(tmpDir(), net, { names: ["A", "B"], ...ports, extra: `fsync = "never"\n${extra}` });
  const procs = new Map(["A", "B"].map((n) => [n, startNode(ring, n, ports.statsPort)] as const));
  await waitFor(() => meshUp(ring, ports.statsPort), 10_000, "the mesh");
  return { ring, stats: ports.statsPort, procs };
}

/** Starts `sprog listen` on node `node` of the ring. */
export function listen(ring: TestRing, node: number, args: string[]): Proc {
  return start(bin("sprog"), ["listen", "--server", `${ring.hosts[node]}:${ring.clientPort}`, ...args]);
}

/** `n` distinct lines starting with `tag`. */
export const batch = (tag: string, n: number): string[] =>
  Array.from({ length: n }, (_, i) => `${tag} ${String(i).padStart(5, "0")} ${crypto.randomUUID()}`);
