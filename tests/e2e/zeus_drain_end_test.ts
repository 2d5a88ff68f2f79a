// Drains that say why and end (issue 21 item 2), real binaries: a copy pinned to a zone no
// other emperor has blocks the drain (never stopped), status, /healthz and the log say why,
// `--wait` exits 3; `--deadline` then stops it (the drain ends "forced"); a drain that can
// finish makes `--wait` exit 0 and logs "done" only when it is done.
import { afterAll, afterEach, expect, test } from "bun:test";
import { bin, removeTmpDirs, run, waitFor } from "../helpers/procs.ts";
import { copies, sleeper, startCluster, stopAll, writeVassals } from "./_zeus.ts";

afterEach(stopAll);
afterAll(removeTmpDirs);

test("a blocked drain says why, --wait exits 3, --deadline stops the pinned copy (forced); a drain that can finish exits 0", async () => {
  const { z, emperors } = await startCluster([["zone=z1"], ["zone=z2"], ["zone=z2"]]);
  const admin = ["--zeus", `127.0.0.1:${z.port}`];
  writeVassals(z.dir, {
    "pinned.toml": sleeper('constraints = ["zone=z1"]\n'),
    "free.toml": sleeper('constraints = ["zone=z2"]\n[vassal.update]\nmin_healthy = 0.2\n'),
  });
  await waitFor(async () => (await z.status())?.vassals.filter((v) => v.state === "running").length === 2, 20_000, "two running vassals");

  // e1 holds the only copy of pinned.toml, and no other emperor is in zone z1.
  const blocked = await run(bin("zeus"), ["drain", "e1", "--wait", ...admin]);
  expect(blocked.code).toBe(3);
  expect(blocked.stdout).toContain("draining e1: 1 vassal to move");
  expect(blocked.stdout).toContain("drain of e1 blocked, 0/1 moved: pinned.toml: no emperor meets zone=z1");
  const e1 = (await z.status())!.emperors.find((e) => e.node === "e1")!;
  expect(e1.drain).toBe("blocked");
  expect(e1.drain_blocked).toEqual([{ vassal: "pinned.toml", reason: "no emperor meets zone=z1" }]);
  // Never stopped without a replacement.
  expect((await copies(emperors)).get("pinned.toml")?.map(([node]) => node)).toEqual(["e1"]);
  const table = await run(bin("zeus"), ["status", "--stats", `127.0.0.1:${z.statsPort}`]);
  expect(table.stdout).toContain("drain of e1 blocked, 0/1 moved, no deadline: pinned.toml: no emperor meets zone=z1");
  const health = await (await fetch(`http://127.0.0.1:${z.statsPort}/healthz`)).text();
  expect(health).toContain("drain of e1 blocked");
  expect(z.proc.stderr().match(/drain of e1 blocked: pinned\.toml: no emperor meets zone=z1/g)?.length).toBe(1);
  expect(z.proc.stderr()).not.toMatch(/drain of e1 done/);

  // The deadline stops what is left: the drain ends forced, and --wait says so (3).
  const forced = await run(bin("zeus"), ["drain", "e1", "--deadline", "1s", "--wait", ...admin]);
  expect(forced.code).toBe(3);
  expect(forced.stdout).toContain("drain of e1 forced, 0/1 moved, 1 stopped");
  await waitFor(async () => !(await copies(emperors)).has("pinned.toml"), 10_000, "the pinned copy stopped");
  expect((await z.status())!.emperors.find((e) => e.node === "e1")!.drain).toBe("forced");

  // A drain that can finish: free.toml moves to the other z2 emperor; --wait exits 0.
  const holder = (await copies(emperors)).get("free.toml")![0]![0];
  const done = await run(bin("zeus"), ["drain", holder, "--wait", ...admin]);
  expect(done.stdout).toContain(`drain of ${holder} done, 1/1 moved`);
  expect(done.code).toBe(0);
  expect((await copies(emperors)).get("free.toml")?.map(([node]) => node)).toEqual([holder === "e2" ? "e3" : "e2"]);
  expect(z.proc.stderr()).toMatch(new RegExp(`drain of ${holder} done: 1/1 moved`));
}, 120_000);
