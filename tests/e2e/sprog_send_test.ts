// sprog against five real zog nodes: every mode's messages arrive exactly once in each
// of the five access.log files.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { bin, killAll, removeTmpDirs, run, start, waitFor } from "../helpers/procs.ts";
import { lineCounts, loggedContents, startRing, type RunningRing, waitForLogs } from "../helpers/ring_setup.ts";

let ring: RunningRing;
let logs: string[];

beforeAll(async () => {
  ring = await startRing("127.2.1");
  logs = ring.nodes.map((n) => n.accessLog);
}, 60_000);

afterAll(async () => {
  await killAll();
  removeTmpDirs();
});

/** Runs sprog with `args`, expects exit 0 and "N sent, N acked, 0 failed", then checks the logs. */
async function sendAndCheck(args: string[], count: number, opts: { input?: string; expected?: string[] } = {}): Promise<string[]> {
  const before = lineCounts(logs);
  const r = await run(bin("sprog"), args, { input: opts.input });
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(new RegExp(`^${count} sent, ${count} acked, 0 failed in [0-9.]+ s \\([0-9.]+ msg/s\\)\\n$`));
  const perLog = await waitForLogs(ring, logs, before, count);
  const first = new Set(perLog[0]);
  for (const lines of perLog) {
    expect(lines).toHaveLength(count);
    expect(new Set(lines).size).toBe(count);
    expect(new Set(lines)).toEqual(first);
  }
  if (opts.expected) expect(first).toEqual(new Set(opts.expected));
  return perLog[0]!;
}

describe("sprog on a five-node ring", () => {
  test("default (random server) sends random 32-63 character content", async () => {
    const lines = await sendAndCheck(["--config", ring.config, "-i", "0", "-n", "300"], 300);
    for (const l of lines) expect(l).toMatch(/^[\x21-\x7e]{32,63}$/);
  }, 60_000);

  test("-r/--roundRobin", async () => {
    await sendAndCheck(["--config", ring.config, "-r", "-i", "0", "--window", "4", "-n", "300"], 300);
  }, 60_000);

  test("-s/--specificHost by address and by node name", async () => {
    await sendAndCheck(["--config", ring.config, "-s", ring.nodes[2]!.host, "-i", "0", "-n", "200"], 200);
    await sendAndCheck(["--config", ring.config, "--specificHost", "LA", "-i", "0", "-n", "200"], 200);
  }, 60_000);

  test("--server list, -i with fractions", async () => {
    const servers = ring.nodes.flatMap((n) => ["--server", `${n.host}:${n.clientPort}`]);
    await sendAndCheck([...servers, "-i", "0.002", "-n", "200"], 200);
  }, 60_000);

  test("-m TEXT sends that content N times", async () => {
    const text = `fixed text ${crypto.randomUUID()}`;
    const before = lineCounts(logs);
    const r = await run(bin("sprog"), ["--config", ring.config, "-m", text, "-i", "0", "--window", "8", "-n", "250"]);
    expect(r.code).toBe(0);
    const perLog = await waitForLogs(ring, logs, before, 250);
    for (const lines of perLog) expect(lines).toEqual(Array(250).fill(text));
  }, 60_000);

  test("-m - sends each line of stdin, then exits with the summary", async () => {
    const lines = Array.from({ length: 400 }, (_, k) => `stdin line ${k} ${crypto.randomUUID()} ünïcödé`);
    await sendAndCheck(["--config", ring.config, "-m", "-", "-i", "0", "--window", "16"], 400, {
      input: `${lines.join("\n")}\n`,
      expected: lines,
    });
  }, 60_000);

  test("-m - sends a line as soon as it is read, stdin still open (tail -F | sprog -m -), default interval", async () => {
    const first = `tail line 1 ${crypto.randomUUID()}`;
    const second = `tail line 2 ${crypto.randomUUID()}`;
    const sprog = start(bin("sprog"), ["--config", ring.config, "-m", "-"], { stdio: ["pipe", "pipe", "pipe"] });
    sprog.child.stdin!.write(`${first}\n`);
    // Logged on every node while sprog still waits for more input: not held until EOF, nor
    // for the 10 s interval.
    await waitFor(() => logs.every((l) => loggedContents(l).includes(first)), 20_000, "the first line on every node");
    expect(sprog.child.exitCode).toBeNull();
    sprog.child.stdin!.write(`${second}\n`);
    await waitFor(() => logs.every((l) => loggedContents(l).includes(second)), 20_000, "the second line on every node");
    expect(sprog.child.exitCode).toBeNull();
    sprog.child.stdin!.end();
    expect(await sprog.exited).toBe(0);
    expect(sprog.stdout()).toStartWith("2 sent, 2 acked, 0 failed");
  }, 60_000);

  test("--window 32 with -i 0 (throughput mode)", async () => {
    await sendAndCheck(["--config", ring.config, "-i", "0", "--window", "32", "-n", "600"], 600);
  }, 60_000);

  test("sprog -n 1 (cron form) exits 0 once acknowledged", async () => {
    const text = `cron ${crypto.randomUUID()}`;
    await sendAndCheck(["--config", ring.config, "-n", "1", "-m", text], 1, { expected: [text] });
  }, 30_000);

  test("sprog -n 1 exits non-zero with one line on stderr when no server answers", async () => {
    const r = await run(bin("sprog"), ["--server", "127.2.1.99", "--server", "127.2.1.98", "-n", "1", "--timeout", "2", "-q"]);
    const many = await run(bin("sprog"), ["--server", "127.2.1.99", "-n", "50", "--timeout", "1", "-i", "0"]);
    expect(many.code).toBe(1);
    expect(many.stdout).toStartWith("1 sent, 0 acked, 1 failed");
    expect(many.stderr).toMatch(/^sprog: 1 of 1 message\(s\) not acknowledged \(49 not sent\): .*ECONNREFUSED\)\n$/);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    const err = r.stderr.trimEnd().split("\n");
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(
      /^sprog: 1 of 1 message\(s\) not acknowledged: .*not acknowledged within 2 s \(last error: cannot connect to 127\.2\.1\.9[89]:55552: ECONNREFUSED\)$/,
    );
  }, 30_000);

  test("SIGTERM stops sending, waits for acknowledgements and prints the summary", async () => {
    const before = lineCounts(logs);
    const sprog = start(bin("sprog"), ["--config", ring.config, "-i", "0.01", "--window", "4"]);
    await waitFor(() => loggedContents(logs[0]!).length >= before[0]! + 50, 20_000, "50 messages");
    process.kill(sprog.pid, "SIGTERM");
    expect(await sprog.exited).toBe(0);
    const m = /^(\d+) sent, (\d+) acked, 0 failed in /.exec(sprog.stdout());
    expect(m).not.toBeNull();
    expect(m![1]).toBe(m![2]!);
    const n = Number(m![1]);
    const perLog = await waitForLogs(ring, logs, before, n);
    for (const lines of perLog) expect(lines).toHaveLength(n);
  }, 30_000);

  test("SIGINT before -n is reached: the summary, then exit 1 with one line on stderr", async () => {
    const before = lineCounts(logs);
    const sprog = start(bin("sprog"), ["--config", ring.config, "-i", "0.05", "-n", "100000"]);
    await waitFor(() => loggedContents(logs[0]!).length >= before[0]! + 3, 20_000, "a few sends");
    process.kill(sprog.pid, "SIGINT");
    expect(await sprog.exited).toBe(1);
    expect(sprog.stdout()).toMatch(/^\d+ sent, \d+ acked, 0 failed in /);
    expect(sprog.stderr()).toMatch(/^sprog: stopped after \d+ of 100000 message\(s\)\n$/);
  }, 30_000);
});
