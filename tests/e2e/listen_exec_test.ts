// sprog listen --exec CMD: CMD runs for each message, in order, the content on stdin and
// ZOG_ID/ZOG_SEQ/ZOG_ORIGIN in its environment; with --group/--durable a message is
// acknowledged only once CMD exited 0 (or was given up on: skipped, parked, or kept for
// next time with --on-failure stop).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { bin, killAll, type Proc, removeTmpDirs, run, start, tmpDir, waitFor } from "../helpers/procs.ts";
import { startRing, type RunningRing } from "../helpers/ring_setup.ts";

let ring: RunningRing;
let dir: string;

beforeAll(async () => {
  ring = await startRing("127.8.4");
  dir = tmpDir("exec-");
}, 60_000);

afterAll(async () => {
  await killAll();
  removeTmpDirs();
});

const server = `127.8.4.11`;
const port = () => ring.nodes[0]!.clientPort;
const lines = (file: string) =>
  existsSync(file)
    ? readFileSync(file, "utf8")
        .split("\n")
        .filter((l) => l !== "")
    : [];

/** Starts `sprog listen --exec CMD ...` on the first node and waits for its subscription. */
async function listener(args: string[]): Promise<Proc> {
  const p = start(bin("sprog"), ["listen", "--server", `${server}:${port()}`, ...args]);
  await waitFor(() => p.stderr().includes("listening to") || p.child.exitCode !== null, 10_000, "the listener to subscribe");
  expect(p.child.exitCode).toBeNull();
  return p;
}

async function send(...texts: string[]): Promise<void> {
  for (const t of texts) {
    const r = await run(bin("sprog"), ["--server", `${server}:${port()}`, "-n", "1", "-q", "-m", t]);
    expect(r.code).toBe(0);
  }
}

async function stop(p: Proc): Promise<number> {
  process.kill(p.pid, "SIGTERM");
  return await p.exited;
}

describe("sprog listen --exec", () => {
  test("CMD runs per message, in order, with the content on stdin and ZOG_ID, ZOG_SEQ, ZOG_ORIGIN", async () => {
    const tag = `order-${crypto.randomUUID().slice(0, 6)}`;
    const out = join(dir, `${tag}.txt`);
    const l = await listener(["--prefix", tag, "--exec", `printf '%s|%s|%s|%s\\n' "$(cat)" "$ZOG_ID" "$ZOG_SEQ" "$ZOG_ORIGIN" >> ${out}`]);
    const texts = [...Array(6).keys()].map((i) => `${tag} ${i}`);
    await send(...texts);
    await waitFor(() => lines(out).length === 6, 10_000, "six runs");
    const got = lines(out).map((x) => x.split("|"));
    expect(got.map((g) => g[0])).toEqual(texts);
    const seqs = got.map((g) => Number(g[2]));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    for (const g of got) {
      expect(g[1]).toMatch(/^[0-9a-f]{16}-1$/);
      expect(g[3]).toBe("MV");
    }
    expect(l.stdout()).toBe("");
    expect(await stop(l)).toBe(0);
  }, 60_000);

  test("--group: a failing CMD is retried with backoff; acknowledged once it exits 0, so a restart gets nothing again", async () => {
    const tag = `retry-${crypto.randomUUID().slice(0, 6)}`;
    const runs = join(dir, `${tag}.runs`);
    const marks = tmpDir("marks-");
    // Fails the first time it sees an id, succeeds the second.
    const cmd = `echo "$ZOG_ID" >> ${runs}; [ -e ${marks}/$ZOG_ID ] || { touch ${marks}/$ZOG_ID; exit 1; }`;
    const args = ["--prefix", tag, "--group", tag, "--exec", cmd, "--backoff", "0.1"];
    const l = await listener(args);
    await send(`${tag} a`, `${tag} b`);
    await waitFor(() => lines(runs).length === 4, 10_000, "two runs per message");
    const [a, b] = [lines(runs)[0]!, lines(runs)[2]!];
    expect(lines(runs)).toEqual([a, a, b, b]);
    expect(l.stderr()).toContain("the command failed (exit code 1); again in 0.1 s");
    expect(await stop(l)).toBe(0);
    const again = await listener(args);
    await send(`${tag} c`);
    await waitFor(() => lines(runs).length === 6, 10_000, "c's two runs");
    expect(lines(runs).slice(0, 4)).toEqual([a, a, b, b]);
    expect(await stop(again)).toBe(0);
  }, 60_000);

  test("--durable: given up after --retries, a message is parked (park:FILE) and acknowledged", async () => {
    const tag = `park-${crypto.randomUUID().slice(0, 6)}`;
    const parked = join(dir, `${tag}.parked`);
    const runs = join(dir, `${tag}.runs`);
    const args = ["--prefix", tag, "--durable", tag, "--exec", `echo x >> ${runs}; exit 4`, "--retries", "2", "--backoff", "0.05"];
    const l = await listener([...args, "--on-failure", `park:${parked}`]);
    await send(`${tag} doomed`);
    await waitFor(() => lines(parked).length === 1, 10_000, "the parked line");
    expect(lines(runs)).toHaveLength(3);
    expect(lines(parked)[0]).toMatch(new RegExp(`^\\S+Z [0-9]+ MV [0-9a-f]{16}-1 "exit code 4" ${tag} doomed$`));
    // The line is parked first, then logged: the log line is awaited, not read at once.
    await waitFor(() => l.stderr().includes("the command failed 3 time(s), last exit code 4; parked in"), 10_000, "the parked log line");
    expect(await stop(l)).toBe(0);
    // Acknowledged: the durable name resumes after it.
    const again = await listener([...args, "--on-failure", `park:${parked}`]);
    // A non-event (the acknowledged message is not run again): time for a run to wrongly start.
    await Bun.sleep(500);
    expect(lines(runs)).toHaveLength(3);
    expect(await stop(again)).toBe(0);
  }, 60_000);

  test("--on-failure stop: exit 1 and the message unacknowledged, so the next listener gets it", async () => {
    const tag = `stop-${crypto.randomUUID().slice(0, 6)}`;
    const done = join(dir, `${tag}.done`);
    const l = await listener(["--prefix", tag, "--durable", tag, "--exec", "exit 9", "--retries", "0", "--on-failure", "stop"]);
    await send(`${tag} keep me`);
    expect(await l.exited).toBe(1);
    expect(l.stderr()).toContain("the command failed 1 time(s), last exit code 9; stopping (--on-failure stop)");
    const again = await listener(["--prefix", tag, "--durable", tag, "--exec", `cat >> ${done}`]);
    await waitFor(() => lines(done).length === 1, 10_000, "the message again");
    expect(lines(done)).toEqual([`${tag} keep me`]);
    expect(await stop(again)).toBe(0);
  }, 60_000);

  test("bad flags: --retries without --exec, a bad --on-failure", async () => {
    const a = await run(bin("sprog"), ["listen", "--server", server, "--retries", "2"]);
    expect([a.code, a.stderr]).toEqual([2, "sprog: --retries goes with --exec CMD\n"]);
    const b = await run(bin("sprog"), ["listen", "--server", server, "--exec", "true", "--on-failure", "later"]);
    expect([b.code, b.stderr]).toEqual([2, 'sprog: --on-failure "later" is not skip, stop or park:FILE\n']);
  });
});
