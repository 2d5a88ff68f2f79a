// Operating a fleet through zeus (real binaries, three emperors): placement labels, drain,
// health checks and rolling updates.
import { afterAll, afterEach, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { sha256Hex } from "../../lib/zeus_protocol/mod.ts";
import { bin, freePort, removeTmpDirs, run, tmpDir, waitFor } from "../helpers/procs.ts";
import { rollingConf, startCluster, startEmperor, stopAll, writeVassals, type ZeusProc } from "./_zeus.ts";

afterEach(stopAll);
afterAll(removeTmpDirs);

const PYTHON = Bun.which("python3");

const vassalOf = async (z: ZeusProc, name: string) => (await z.status())?.vassals.find((v) => v.name === name);
const sleeperWith = (extra: string) => `[vassal]\ncommand = "/bin/sleep"\nargs = ["1000"]\nstop_timeout = 1\n${extra}`;

test("labels: a constrained vassal lands only where it may, waits with a NOTE when no emperor meets it; spread uses distinct zones", async () => {
  const { z, emperors } = await startCluster([["zone=a"], ["zone=a", "ssd"], ["zone=b"]]);
  writeVassals(z.dir, {
    "fast.toml": sleeperWith('constraints = ["zone=a", "ssd"]\n'),
    "b.toml": sleeperWith('constraints = ["zone=b"]\n'),
    "nowhere.toml": sleeperWith('constraints = ["zone=c"]\n'),
    "pair.toml": sleeperWith('nodes = 2\nspread = "zone"\n'),
  });
  const s = await waitFor(
    async () => {
      const s = await z.status();
      const ok = ["fast.toml", "b.toml", "pair.toml"].every((n) => s?.vassals.find((v) => v.name === n)?.state === "running");
      return ok ? s : undefined;
    },
    15_000,
    "constrained vassals running",
  );
  const nodes = (n: string) => s.vassals.find((v) => v.name === n)!.emperors.map((c) => c.node);
  expect(nodes("fast.toml")).toEqual(["e2"]);
  expect(nodes("b.toml")).toEqual(["e3"]);
  expect(nodes("pair.toml")).toContain("e3");
  expect(nodes("pair.toml").length).toBe(2);
  const nowhere = s.vassals.find((v) => v.name === "nowhere.toml")!;
  expect(nowhere.state).toBe("pending");
  expect(nowhere.note).toBe('no alive emperor meets constraint "zone=c"');
  expect(s.emperors.find((e) => e.node === "e2")!.labels).toEqual({ zone: "a", ssd: "" });
  const table = await run(bin("zeus"), ["status", "--stats", `127.0.0.1:${z.statsPort}`]);
  expect(table.stdout).toMatch(/nowhere\.toml\s+pending\s+0\/1\s+-\s+0\s+no alive emperor meets constraint "zone=c"/);
  expect(table.stdout).toMatch(/^e2\s+yes.*zone=a,ssd$/m);

  // The only zone=b emperor goes away: b.toml waits, saying why; it comes back, b.toml lands again.
  process.kill(emperors[2]!.proc.pid, "SIGTERM");
  await emperors[2]!.proc.exited;
  const waiting = await waitFor(
    async () => ((await vassalOf(z, "b.toml"))?.state === "pending" ? vassalOf(z, "b.toml") : undefined),
    10_000,
    "b.toml waiting",
  );
  expect(waiting!.note).toBe('no alive emperor meets constraint "zone=b"');
  emperors[2] = await startEmperor("e3", `zeus:127.0.0.1:${z.port}`, ["--label", "zone=b"]);
  await waitFor(
    async () => (await vassalOf(z, "b.toml"))?.emperors[0]?.node === "e3" && (await vassalOf(z, "b.toml"))?.state === "running",
    15_000,
    "b.toml back on e3",
  );
}, 60_000);

/** A TCP server sharing its port (SO_REUSEPORT) that answers each connection with its pid. */
const SERVER = `import os, socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(128)
while True:
    c, _ = s.accept()
    c.sendall(("%d\\n" % os.getpid()).encode())
    c.close()
`;

function ask(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const sock = connect({ host: "127.0.0.1", port });
    let got = "";
    const done = (v: string | undefined) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done(undefined), 500);
    sock.on("data", (d) => (got += d.toString()));
    sock.on("end", () => done(got.trim() || undefined));
    sock.on("error", () => done(undefined));
  });
}

test.skipIf(!PYTHON)(
  "drain: a single-copy TCP vassal moves with no gap longer than one 50 ms poll; undrain takes placements again",
  async () => {
    const { z, emperors } = await startCluster();
    const dir = tmpDir("fleet-drain-");
    writeFileSync(join(dir, "server.py"), SERVER);
    const port = await freePort();
    writeVassals(z.dir, {
      "echo.toml": `[vassal]\ncommand = "${PYTHON}"\nargs = ["${join(dir, "server.py")}", "${port}"]\nstop_timeout = 2\n[vassal.update]\nmin_healthy = 1\n`,
    });
    const before = await waitFor(
      async () => ((await vassalOf(z, "echo.toml"))?.state === "running" ? vassalOf(z, "echo.toml") : undefined),
      15_000,
      "echo running",
    );
    const old = before!.emperors[0]!;
    await waitFor(() => ask(port), 5000, "echo answering");

    let polling = true;
    let worstGap = 0;
    let gap = 0;
    const answers: string[] = [];
    const poller = (async () => {
      while (polling) {
        const a = await ask(port);
        if (a) {
          if (answers.at(-1) !== a) answers.push(a);
          gap = 0;
        } else {
          worstGap = Math.max(worstGap, ++gap);
          if (process.env.FLEET_DEBUG) console.log("poll failed", Date.now(), gap, answers);
        }
        // The poll interval of the availability watch (it counts failed polls), not a wait for a condition.
        await Bun.sleep(50);
      }
    })();
    const drained = await run(bin("zeus"), ["drain", old.node, "--zeus", `127.0.0.1:${z.port}`]);
    expect(drained.code).toBe(0);
    expect(drained.stdout).toContain(`draining ${old.node}`);
    // The new copy runs elsewhere before the old one is gone: the old emperor empties last.
    const moved = await waitFor(
      async () => {
        const v = await vassalOf(z, "echo.toml");
        const e = (await z.status())?.emperors.find((x) => x.node === old.node);
        return v?.state === "running" && v.emperors.length === 1 && v.emperors[0]!.node !== old.node && e?.drain === "drained"
          ? v
          : undefined;
      },
      20_000,
      "echo moved off the drained emperor",
    );
    await waitFor(
      async () => (await emperors.find((e) => e.node === old.node)!.status())?.vassals.length === 0,
      10_000,
      "old copy stopped",
    );
    // The availability watch keeps polling a little past the move: a gap right after it counts too.
    await Bun.sleep(300);
    polling = false;
    await poller;
    // Both answer while both run (they share the port), then only the new one.
    expect(answers[0]).toBe(String(old.pid));
    expect(answers.at(-1)).toBe(String(moved.emperors[0]!.pid));
    expect([...new Set(answers)].sort()).toEqual([String(old.pid), String(moved.emperors[0]!.pid)].sort());
    expect(worstGap).toBeLessThanOrEqual(1);
    const table = await run(bin("zeus"), ["status", "--stats", `127.0.0.1:${z.statsPort}`]);
    expect(table.stdout).toMatch(new RegExp(`^${old.node}\\s+yes \\(drained\\)`, "m"));
    expect((await z.status())!.counters.moved).toBe(1);

    // Nothing new goes to a drained emperor; after undrain, a vassal wanting three copies uses it.
    writeVassals(z.dir, { "trio.toml": sleeperWith("nodes = 3\n") });
    await waitFor(async () => (await vassalOf(z, "trio.toml"))?.state === "partial", 10_000, "trio partial while drained");
    expect((await vassalOf(z, "trio.toml"))!.emperors.map((c) => c.node)).not.toContain(old.node);
    const undrained = await run(bin("zeus"), ["undrain", old.node, "--zeus", `127.0.0.1:${z.port}`]);
    expect(undrained.code).toBe(0);
    await waitFor(async () => (await vassalOf(z, "trio.toml"))?.state === "running", 10_000, "trio on three emperors");
    const bad = await run(bin("zeus"), ["drain", "nope", "--zeus", `127.0.0.1:${z.port}`]);
    expect(bad.code).toBe(253);
    expect(bad.stderr).toContain('no emperor "nope"');
  },
  90_000,
);

test.skipIf(!PYTHON)(
  "health check: an HTTP check goes healthy; when it fails check_failures times the vassal is restarted; /metrics counts it",
  async () => {
    const { z, emperors } = await startCluster([[]], ["--reschedule-after", "100"]);
    const www = tmpDir("fleet-www-");
    mkdirSync(www, { recursive: true });
    writeFileSync(join(www, "health"), "ok\n");
    const port = await freePort();
    writeVassals(z.dir, {
      "web.toml": `[vassal]
command = "${PYTHON}"
args = ["-m", "http.server", "--bind", "127.0.0.1", "${port}"]
cwd = "${www}"
stop_timeout = 2
check = "http://127.0.0.1:${port}/health"
check_interval = 0.2
check_timeout = 1
check_grace = 0
check_failures = 2
`,
    });
    const healthy = await waitFor(
      async () => {
        const v = await vassalOf(z, "web.toml");
        return v?.state === "running" && v.emperors[0]?.health === "healthy" ? v : undefined;
      },
      15_000,
      "web healthy",
    );
    expect(healthy.emperors[0]!.check).toBe("HTTP 200");
    rmSync(join(www, "health"));
    const restarted = await waitFor(
      async () => {
        const v = await vassalOf(z, "web.toml");
        return v && v.restarts >= 1 && v.emperors[0]!.pid !== healthy.emperors[0]!.pid ? v : undefined;
      },
      15_000,
      "web restarted for failing its check",
    );
    expect(restarted.emperors[0]!.health).toBe("unhealthy");
    expect(restarted.emperors[0]!.check).toBe("HTTP 404");
    const metrics = await (await fetch(`http://127.0.0.1:${emperors[0]!.statsPort}/metrics`)).text();
    const failures = Number(/emperor_vassal_check_failures_total\{vassal="web\.toml"\} (\d+)/.exec(metrics)?.[1]);
    expect(failures).toBeGreaterThanOrEqual(2);
    expect(metrics).toContain('emperor_vassal_healthy{vassal="web.toml"} 0');
    // The file is back: the restarted server passes again.
    writeFileSync(join(www, "health"), "ok\n");
    await waitFor(async () => (await vassalOf(z, "web.toml"))?.emperors[0]?.health === "healthy", 15_000, "healthy again");
  },
  60_000,
);

test("rolling update: nodes = 3, max_parallel = 1: never more than one copy changing; a change failing its check stops and auto_revert brings every copy back", async () => {
  // The state file tells when a config became the last good one.
  const state = join(tmpDir(), "zeus-state.json");
  const { z, emperors } = await startCluster([[], [], []], ["--state", state]);
  const conf = (tag: string, check: string) => rollingConf(tag, check, 0.3);
  writeVassals(z.dir, { "roll.toml": conf("v1", "exec:/bin/true") });
  const healthyAll = async () => {
    const v = await vassalOf(z, "roll.toml");
    return v?.state === "running" && v.emperors.length === 3 && v.emperors.every((c) => c.health === "healthy") ? v : undefined;
  };
  await waitFor(healthyAll, 20_000, "three healthy copies");
  const lastGood = () => {
    if (!existsSync(state)) return undefined;
    const saved = JSON.parse(readFileSync(state, "utf8")) as { vassals: { name: string; lastGood?: { sha256: string } }[] };
    return saved.vassals.find((v) => v.name === "roll.toml")?.lastGood?.sha256;
  };
  await waitFor(() => lastGood() === sha256Hex(new TextEncoder().encode(conf("v1", "exec:/bin/true"))), 10_000, "v1 the last good config");

  const runsTag = async (tag: string) => {
    for (const e of emperors) if (!readFileSync(join(e.stateDir, "vassals", "roll.toml"), "utf8").includes(`TAG = "${tag}"`)) return false;
    return true;
  };
  let worst = 0;
  const sample = async (until: () => Promise<boolean>, what: string) =>
    await waitFor(
      async () => {
        const v = await vassalOf(z, "roll.toml");
        if (v) worst = Math.max(worst, v.emperors.filter((c) => c.state !== "running" || c.health !== "healthy").length);
        // The sampling interval of the rollout watch (it records the worst moment), not a wait for a condition.
        await Bun.sleep(80);
        return until();
      },
      30_000,
      what,
    );
  writeVassals(z.dir, { "roll.toml": conf("v2", "exec:/bin/true") });
  await sample(async () => (await runsTag("v2")) && (await vassalOf(z, "roll.toml"))?.rollout?.state === "done", "v2 rolled out");
  expect(worst).toBe(1);
  const done = await vassalOf(z, "roll.toml");
  expect(done!.rollout).toMatchObject({ state: "done", updated: 3, total: 3 });

  // v3 fails its check: the rollout stops at its first copy, which goes back to v2.
  worst = 0;
  writeVassals(z.dir, { "roll.toml": conf("v3", "exec:/bin/false") });
  const reverted = await sample(async () => {
    const v = await vassalOf(z, "roll.toml");
    return v?.rollout?.state === "reverted" && (await runsTag("v2")) && (await healthyAll()) ? true : false;
  }, "v3 reverted");
  expect(reverted).toBe(true);
  expect(worst).toBe(1);
  const after = await vassalOf(z, "roll.toml");
  expect(after!.rollout!.reason).toMatch(/^e\d: unhealthy/);
  const table = await run(bin("zeus"), ["status", "--stats", `127.0.0.1:${z.statsPort}`]);
  expect(table.stdout).toMatch(/roll\.toml\s+running\s+3\/3.*rollout reverted: e\d: unhealthy/);
}, 90_000);
