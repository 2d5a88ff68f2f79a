// Request/reply through the ring: sprog reply answers with a command, sprog request prints
// the reply and exits with the responder's code; requests and replies are ring messages,
// logged once on every node.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { bin, killAll, type Proc, removeTmpDirs, run, start, waitFor } from "../helpers/procs.ts";
import { lineCounts, loggedContents, startRing, type RunningRing, waitForLogs } from "../helpers/ring_setup.ts";

let ring: RunningRing;
let logs: string[];

beforeAll(async () => {
  ring = await startRing("127.8.3");
  logs = ring.nodes.map((n) => n.accessLog);
}, 60_000);

afterAll(async () => {
  await killAll();
  removeTmpDirs();
});

const server = (i: number) => `${ring.nodes[i]!.host}:${ring.nodes[i]!.clientPort}`;

/** Starts `sprog reply` on node `i` and waits until it has joined its group. */
async function responder(i: number, service: string, cmd: string, extra: string[] = []): Promise<Proc> {
  const p = start(bin("sprog"), [
    "reply",
    "--config",
    ring.config,
    "--server",
    server(i),
    "--service",
    service,
    ...extra,
    "--",
    "sh",
    "-c",
    cmd,
  ]);
  await waitFor(() => p.stderr().includes(`answering ${service} at`) || p.child.exitCode !== null, 10_000, "the responder to join");
  expect(p.child.exitCode).toBeNull();
  return p;
}

async function stop(p: Proc): Promise<number> {
  process.kill(p.pid, "SIGTERM");
  return await p.exited;
}

const request = (args: string[]) => run(bin("sprog"), ["request", "--config", ring.config, ...args]);

describe("request/reply through the ring", () => {
  test("a request is answered by CMD: its stdout printed, its exit code returned, both messages logged once everywhere", async () => {
    const svc = `echo-${crypto.randomUUID().slice(0, 6)}`;
    const r1 = await responder(0, svc, 'printf "got [%s] id=%s seq=%s origin=%s\\n" "$(cat)" "$ZOG_ID" "$ZOG_SEQ" "$ZOG_ORIGIN"; exit 3');
    const before = lineCounts(logs);
    const r = await request(["--server", server(2), "--to", svc, "-m", "hello there", "--timeout", "10"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(3);
    const m = /^got \[hello there\] id=(q-[0-9a-f]{10}-[0-9a-z]+-[0-9]+) seq=([0-9]+) origin=(MV|PA|G|LA|S)\n$/.exec(r.stdout);
    expect(m).not.toBeNull();
    const id = m![1]!;
    const perLog = await waitForLogs(ring, logs, before, 2);
    for (const lines of perLog) {
      expect(lines.filter((l) => l.startsWith(`@request ${svc} `) && l.endsWith(" hello there"))).toHaveLength(1);
      expect(lines.filter((l) => l.startsWith(`@reply ${id} 3 got [hello there]`))).toHaveLength(1);
    }
    await stop(r1);
  }, 60_000);

  test("--async prints the id at once; reply-of fetches the reply later from another node", async () => {
    const svc = `later-${crypto.randomUUID().slice(0, 6)}`;
    const r1 = await responder(1, svc, "tr a-z A-Z");
    const sent = await request(["--to", svc, "-m", "shout this", "--async"]);
    expect(sent.code).toBe(0);
    const id = sent.stdout.trim();
    expect(id).toMatch(/^q-[0-9a-f]{10}-[0-9a-z]+-1$/);
    const got = await run(bin("sprog"), ["reply-of", id, "--config", ring.config, "--server", server(4), "--wait", "10"]);
    expect(got.stdout).toBe("SHOUT THIS");
    expect(got.code).toBe(0);
    // Once held, without --wait too.
    const again = await run(bin("sprog"), ["reply-of", id, "--server", server(3)]);
    expect([again.code, again.stdout]).toEqual([0, "SHOUT THIS"]);
    await stop(r1);
  }, 60_000);

  test("no responder: exit 124 after --timeout; reply-of an unanswered id: 124", async () => {
    const started = Date.now();
    const r = await request(["--to", "nobody-home", "-m", "anyone?", "--timeout", "1"]);
    expect(r.code).toBe(124);
    expect(r.stderr).toMatch(/^sprog: no reply to request q-\S+ for nobody-home within 1 s\n$/);
    expect(Date.now() - started).toBeLessThan(8000);
    const none = await run(bin("sprog"), ["reply-of", "q-zzzzzz-0123456789", "--server", server(0)]);
    expect(none.code).toBe(124);
  }, 60_000);

  test("two responders of one service on a node share the requests: each answered once", async () => {
    const svc = `pool-${crypto.randomUUID().slice(0, 6)}`;
    const a = await responder(0, svc, 'echo "a $(cat)"');
    const b = await responder(0, svc, 'echo "b $(cat)"');
    const before = lineCounts(logs);
    const results = await Promise.all([...Array(10).keys()].map((i) => request(["--to", svc, "-m", `job ${i}`, "--timeout", "20"])));
    for (const [i, r] of results.entries()) {
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^[ab] job ${i}\\n$`));
    }
    const perLog = await waitForLogs(ring, logs, before, 20);
    for (const lines of perLog) expect(lines.filter((l) => l.startsWith("@reply "))).toHaveLength(10);
    await Promise.all([stop(a), stop(b)]);
  }, 60_000);

  test("--durable: a request sent while no responder runs is answered when one comes back", async () => {
    const svc = `queue-${crypto.randomUUID().slice(0, 6)}`;
    const name = `q-${svc}`;
    expect(await stop(await responder(2, svc, "cat", ["--durable", name]))).toBe(0);
    const sent = await request(["--to", svc, "-m", "while away", "--async"]);
    expect(sent.code).toBe(0);
    const id = sent.stdout.trim();
    const back = await responder(2, svc, "sed s/away/back/", ["--durable", name]);
    const got = await run(bin("sprog"), ["reply-of", id, "--server", server(0), "--wait", "15"]);
    expect([got.code, got.stdout]).toEqual([0, "while back"]);
    await stop(back);
  }, 60_000);

  test("the node carrying the requester's reply subscription dies: the requester asks another and still gets the reply", async () => {
    const svc = `survive-${crypto.randomUUID().slice(0, 6)}`;
    const r1 = await responder(2, svc, "sleep 1.5; cat");
    const req = start(bin("sprog"), [
      "request",
      "--config",
      ring.config,
      "--server",
      server(0),
      "--to",
      svc,
      "-m",
      "still here",
      "--timeout",
      "20",
    ]);
    // The request is in the ring (logged on G): now the node the requester listens to goes away.
    await waitFor(() => loggedContents(ring.nodes[2]!.accessLog).some((c) => c.startsWith(`@request ${svc} `)), 10_000, "the request");
    await ring.killNode(0);
    try {
      expect(await req.exited).toBe(0);
      expect(req.stdout()).toBe("still here");
    } finally {
      await ring.startNode(0);
      await stop(r1);
    }
  }, 60_000);

  test("a long output is cut to fit one message; the request says so", async () => {
    const svc = `long-${crypto.randomUUID().slice(0, 6)}`;
    const r1 = await responder(3, svc, "head -c 100000 /dev/zero | tr '\\0' x; exit 7");
    const r = await request(["--to", svc, "-m", "much", "--timeout", "10"]);
    expect(r.code).toBe(7);
    expect(r.stdout).toMatch(/^x{400,508}$/);
    expect(r.stderr).toContain("the reply was cut to fit in one message");
    // Node 3 writes its access.log line after forwarding the reply (the seed's rule), so the
    // requester may hear it first: the line is awaited, not read once (it failed once in CI).
    await waitFor(
      () => loggedContents(ring.nodes[3]!.accessLog).some((c) => /^@reply q-\S+ 7\+ x+$/.test(c)),
      10_000,
      "the cut reply logged on node 3",
    );
    await stop(r1);
  }, 60_000);
});
