/**
 * Start-up figures: exec to listening for a zog node, and exec to exit of `--version`.
 *
 * @module
 */
import { connect } from "node:net";
import { bin, freePort, tmpDir } from "../../tests/helpers/procs.ts";
import { writeRing } from "../../tests/helpers/ring_setup.ts";
import { rssParts } from "./procfs.ts";

function accepting(host: string, port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = connect({ host, port });
    s.once("connect", () => (s.destroy(), res(true)));
    s.once("error", () => res(false));
  });
}

/** The median of `xs`. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

/**
 * Milliseconds from spawning one node of a two-node ring until its client port accepts,
 * `runs` times, and the node's resident memory in MiB once it has idled `idleMs` (past the
 * 2 s after which a daemon drops its start-up pages).
 */
export async function zogStartup(prefix: string, runs: number, idleMs = 5000): Promise<{ ms: number[]; rss: ReturnType<typeof rssParts> }> {
  const host = `${prefix}.11`;
  const peerPort = await freePort(host);
  const clientPort = await freePort(host);
  const ring = writeRing(tmpDir("ring-bench-start-"), prefix, { names: ["A", "B"], peerPort, clientPort, keepalive: 30 });
  const ms: number[] = [];
  let rss = { rss: Number.NaN, anon: Number.NaN, file: Number.NaN };
  for (let k = 0; k < runs; k++) {
    const t = performance.now();
    const p = Bun.spawn([bin("zog"), "--config", ring.config, "--node", "A", "--log-level", "error"], {
      stdio: ["ignore", "ignore", "ignore"],
    });
    try {
      for (let tries = 0; !(await accepting(host, clientPort)); tries++) {
        if (tries > 5000) throw new Error("zog did not start listening");
        await Bun.sleep(1);
      }
      ms.push(performance.now() - t);
      if (k === runs - 1) {
        await Bun.sleep(idleMs);
        rss = rssParts(p.pid);
      }
    } finally {
      p.kill("SIGKILL");
      await p.exited;
    }
  }
  return { ms, rss };
}

/** Milliseconds from spawning `cmd --version` to its exit, `runs` times. */
export async function versionMs(cmd: string, runs: number): Promise<number[]> {
  const ms: number[] = [];
  for (let k = 0; k < runs; k++) {
    const t = performance.now();
    const p = Bun.spawn([cmd, "--version"], { stdio: ["ignore", "ignore", "ignore"] });
    await p.exited;
    ms.push(performance.now() - t);
  }
  return ms;
}
