// The truth about vassals (real binaries, three emperors): what emperors report is what
// zeus shows; a vassal that keeps failing is tried elsewhere, a bounded number of times.
import { afterAll, afterEach, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { removeTmpDirs, run, bin, tmpDir, waitFor } from "../helpers/procs.ts";
import { emperorsReady, startEmperor, startZeus, stopAll, writeVassals } from "./_zeus.ts";

afterEach(stopAll);
afterAll(removeTmpDirs);

test("a vassal whose command does not exist: backoff with exit 127 (never running), tried on each emperor, then failed", async () => {
  const z = await startZeus({ extra: ["--reschedule-after", "2"] });
  for (let i = 1; i <= 3; i++) await startEmperor(`e${i}`, `zeus:127.0.0.1:${z.port}`);
  await emperorsReady(z, 3);
  writeVassals(z.dir, { "ghost.toml": '[vassal]\ncommand = "/nonexistent/ghost"\nstop_timeout = 1\n' });
  const tried = new Set<string>();
  let sawBackoff = false;
  const failed = await waitFor(
    async () => {
      const s = await z.status();
      const v = s?.vassals.find((x) => x.name === "ghost.toml");
      if (!v) return undefined;
      // Never shown running: a copy is starting (placing) or in backoff with the exit.
      expect(v.state).not.toBe("running");
      for (const c of v.emperors) {
        expect(c.state).not.toBe("running");
        tried.add(c.node);
        if (c.state === "backoff") {
          sawBackoff = true;
          expect(c.exit).toBe("exit 127");
        }
      }
      return v.state === "failed" ? v : undefined;
    },
    30_000,
    "ghost.toml failed",
  );
  expect(sawBackoff).toBe(true);
  expect([...tried].sort()).toEqual(["e1", "e2", "e3"]);
  expect(failed.emperors).toEqual([]);
  expect(failed.error).toMatch(/^backoff on e\d after exit 127 \(2 quick deaths in a row\); tried on e1, e2, e3/);
  const table = await run(bin("zeus"), ["status", "--stats", `127.0.0.1:${z.statsPort}`]);
  expect(table.stdout).toMatch(/ghost\.toml\s+failed\s+0\/1\s+-\s+\d+\s+backoff on e\d after exit 127 \(/);
  // It stays failed (no loop around the fleet) until the file changes.
  const s = await z.status();
  expect(s!.counters.rescheduled).toBe(3);
  writeVassals(z.dir, { "ghost.toml": '[vassal]\ncommand = "/bin/sleep"\nargs = ["100"]\nstop_timeout = 1\n' });
  await waitFor(async () => (await z.status())?.vassals.find((x) => x.name === "ghost.toml" && x.state === "running"), 10_000, "fixed");
}, 60_000);

test("start_grace: a vassal that dies within its start grace never reads running; one that stays up its grace does", async () => {
  const z = await startZeus({ extra: ["--reschedule-after", "100"] });
  await startEmperor("e1", `zeus:127.0.0.1:${z.port}`);
  await emperorsReady(z, 1);
  // Up for 1 s, then exit 3: with the default 0.5 s it would read running for a while; with 30 s never.
  writeVassals(z.dir, {
    "slow.toml": '[vassal]\ncommand = "/bin/sh"\nargs = ["-c", "sleep 1; exit 3"]\nstop_timeout = 1\nstart_grace = 30\n',
  });
  const backoff = await waitFor(
    async () => {
      const v = (await z.status())?.vassals.find((x) => x.name === "slow.toml");
      expect(v?.state).not.toBe("running");
      for (const c of v?.emperors ?? []) expect(c.state).not.toBe("running");
      return v?.emperors.find((c) => c.state === "backoff" && c.exit === "exit 3");
    },
    20_000,
    "slow.toml in backoff with exit 3",
  );
  expect(backoff.node).toBe("e1");
  writeVassals(z.dir, { "slow.toml": '[vassal]\ncommand = "/bin/sleep"\nargs = ["1000"]\nstop_timeout = 1\nstart_grace = 0.2\n' });
  await waitFor(async () => (await z.status())?.vassals.find((x) => x.name === "slow.toml" && x.state === "running"), 20_000, "running");
}, 60_000);

test("a vassal whose check keeps failing is restarted, then moved to another emperor, a bounded number of times, then failed with why, across a restore too", async () => {
  const state = join(tmpDir(), "zeus-state.json");
  const z = await startZeus({ extra: ["--reschedule-after", "2", "--state", state] });
  for (let i = 1; i <= 3; i++) await startEmperor(`e${i}`, `zeus:127.0.0.1:${z.port}`);
  await emperorsReady(z, 3);
  writeVassals(z.dir, {
    "sick.toml":
      '[vassal]\ncommand = "/bin/sleep"\nargs = ["1000"]\nstop_timeout = 1\ncheck = "exec:/bin/false"\ncheck_interval = 0.1\ncheck_grace = 0\ncheck_failures = 1\n',
  });
  const tried = new Set<string>();
  const failed = await waitFor(
    async () => {
      const v = (await z.status())?.vassals.find((x) => x.name === "sick.toml");
      for (const c of v?.emperors ?? []) tried.add(c.node);
      return v?.state === "failed" ? v : undefined;
    },
    60_000,
    "sick.toml failed",
  );
  expect([...tried].sort()).toEqual(["e1", "e2", "e3"]);
  expect(failed.emperors).toEqual([]);
  expect(failed.error).toMatch(/^unhealthy on e\d: restarted 2 times for failing checks, last: exit 1; tried on e1, e2, e3/);
  expect((await z.status())!.counters.rescheduled).toBe(3);

  // kill -9 and --restore: still failed, with the same reason, and not tried again. zeus saves
  // its state after a change, off its loop: the kill waits until the saved state says so (a
  // loaded machine killed it between /status and the write once).
  const saved = () => {
    try {
      const v = (JSON.parse(readFileSync(state, "utf8")) as { vassals: { name: string; failed?: string }[] }).vassals;
      return v.find((x) => x.name === "sick.toml")?.failed === failed.error;
    } catch {
      return false; // not written yet, or being replaced
    }
  };
  await waitFor(saved, 10_000, "the failure in the saved state");
  process.kill(z.proc.pid, "SIGKILL");
  await z.proc.exited;
  const z2 = await startZeus({ dir: z.dir, port: z.port, extra: ["--reschedule-after", "2", "--state", state, "--restore"] });
  const s2 = await waitFor(
    async () => {
      const s = await z2.status();
      return s && !s.settling && s.emperors.filter((e) => e.alive && e.ready).length === 3 ? s : undefined;
    },
    20_000,
    "the restored zeus settled with three emperors",
  );
  const again = s2.vassals.find((x) => x.name === "sick.toml")!;
  expect(again.state).toBe("failed");
  expect(again.error).toBe(failed.error);
  expect(s2.counters.placed).toBe(0);
}, 90_000);
