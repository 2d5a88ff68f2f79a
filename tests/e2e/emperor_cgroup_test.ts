// No orphans: after kill -9 of the emperor nothing a vassal started (forked, or daemonized
// with setsid) outlives it by more than 5 s, without a next emperor. Needs root and a
// writable cgroup2 mount (each vassal in a cgroup of its own).
import { afterAll, afterEach, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { cgroup2Mount } from "../../lib/emperor/cgroup.ts";
import { killAll, removeTmpDirs, waitFor } from "../helpers/procs.ts";
import { startEmperor, watchdogPid, writeShVassal } from "./_emperor.ts";

afterEach(killAll);
afterAll(removeTmpDirs);

const mount = process.platform === "linux" ? cgroup2Mount(readFileSync("/proc/self/mountinfo", "utf8")) : undefined;
const usable = process.getuid?.() === 0 && mount !== undefined;
if (!usable)
  console.log(
    `skipping emperor_cgroup_test: needs root and a writable cgroup2 mount (uid ${process.getuid?.()}, cgroup2 at ${mount ?? "none"})`,
  );

/** Pids of live (non-zombie) processes whose command line holds `marker`. */
function withMarker(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${entry}/stat`, "utf8"))) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").includes(marker)) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

test.skipIf(!usable)(
  "after kill -9 of the emperor, forked and daemonized descendants are gone within 5 s",
  async () => {
    const marker = String(900_000 + Math.floor(Math.random() * 99_999));
    const em = await startEmperor();
    writeShVassal(em.dir, "forker.toml", `sleep ${marker} & sleep ${marker}`);
    writeShVassal(em.dir, "daemon.toml", `setsid -f sleep ${marker}; setsid sh -c 'sleep ${marker}' & exec sleep ${marker}`);
    await em.running("forker.toml");
    await em.running("daemon.toml");
    await waitFor(() => withMarker(marker).length >= 5, 10_000, "five sleeps (two forked, two daemonized, one exec'd)");
    for (const pid of withMarker(marker))
      expect(readFileSync(`/proc/${pid}/cgroup`, "utf8")).toMatch(/^0::.*\/emperor-[0-9a-f]{16}\/(forker|daemon)\.toml$/m);
    expect(watchdogPid(em.proc.pid)).toBeGreaterThan(1);

    process.kill(em.proc.pid, "SIGKILL");
    await em.proc.exited;
    // The contract's bound (SPEC "Supervision"): at most 5 s, with no emperor running.
    await waitFor(() => withMarker(marker).length === 0 || undefined, 5000, `every process of marker ${marker} gone`);
  },
  60_000,
);
