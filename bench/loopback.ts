/**
 * The floor of a lone message's round trip (`bun run bench/loopback.ts`): two Bun processes
 * on loopback, one sending 64 bytes and waiting for a 29-byte answer before the next (window
 * 1), as a client and a zog node at window 1 do without the node's work. The answer goes out
 * at once, after `setImmediate` (the node's commit turn), or after an fsync of a 130-byte
 * append (the journal's record, in a temporary folder). Prints p50/p90/p99 in µs; it does not
 * pass or fail. BENCH_N (default 5 000) round trips per way, three alternating runs.
 */
import { spawn } from "node:child_process";
import { closeSync, fsyncSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import type { Socket } from "bun";

const ANSWER = new Uint8Array(29).fill(79);
const RECORD = Buffer.alloc(130, 77);

/** The answering side: replies to each packet of 64 bytes the way `mode` says. */
function serve(mode: string): void {
  const dir = mkdtempSync(join(tmpdir(), "loopback-"));
  const fd = openSync(join(dir, "journal"), "a");
  const answer = (s: Socket<undefined>) => {
    if (mode === "fsync") {
      writeSync(fd, RECORD);
      fsyncSync(fd);
    }
    s.write(ANSWER);
  };
  const server = Bun.listen<undefined>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      data(s) {
        if (mode === "immediate") setImmediate(() => answer(s));
        else answer(s);
      },
      close() {
        closeSync(fd);
        rmSync(dir, { recursive: true, force: true });
        process.exit(0);
      },
    },
  });
  console.log(server.port);
}

/** Sends `n` packets one at a time to `port`; returns each round trip in µs. */
async function drive(port: number, n: number): Promise<Float64Array> {
  const times = new Float64Array(n);
  const packet = new Uint8Array(64).fill(68);
  let k = 0;
  let sent = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((res) => (done = res));
  const socket = await Bun.connect<undefined>({
    hostname: "127.0.0.1",
    port,
    socket: {
      data() {
        times[k] = (performance.now() - sent) * 1000;
        if (++k === n) return done();
        sent = performance.now();
        socket.write(packet);
      },
    },
  });
  socket.setNoDelay(true);
  sent = performance.now();
  socket.write(packet);
  await finished;
  socket.end();
  return times;
}

const q = (xs: Float64Array, p: number) => Float64Array.from(xs).sort()[Math.floor(p * (xs.length - 1))]!;

if (process.argv[2] === "serve") serve(process.argv[3] ?? "now");
else {
  const n = Number(process.env.BENCH_N ?? 5000);
  for (let rep = 0; rep < 3; rep++) {
    for (const mode of ["now", "immediate", "fsync"]) {
      const child = spawn(process.execPath, [import.meta.path, "serve", mode], { stdio: ["ignore", "pipe", "inherit"] });
      const port = await new Promise<number>((res) => child.stdout!.once("data", (d) => res(Number(String(d).trim()))));
      const t = (await drive(port, 500 + n)).subarray(500);
      console.log(
        `loopback ${mode.padEnd(9)} p50 ${q(t, 0.5).toFixed(1)} p90 ${q(t, 0.9).toFixed(1)} p99 ${q(t, 0.99).toFixed(1)} µs over ${n} (load average ${loadavg()[0]!.toFixed(1)})`,
      );
      // The answering side removes its folder and exits when the connection closes (killed if it does not).
      const exited = new Promise((res) => child.once("exit", res));
      const kill = setTimeout(() => child.kill(), 5000);
      await exited;
      clearTimeout(kill);
    }
  }
}
