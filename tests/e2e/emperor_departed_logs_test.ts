// The logs of departed copies (issue 21 item 4), real zeus and emperors: a copy moved away
// by a drain leaves its log on its old emperor, readable through `zeus logs VASSAL@NODE`
// for --log-keep-departed, then removed (and said so in the emperor's log).
import { afterAll, afterEach, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { bin, removeTmpDirs, run, waitFor } from "../helpers/procs.ts";
import { emperorsReady, startEmperor, startZeus, stopAll, writeVassals } from "./_zeus.ts";

afterEach(stopAll);
afterAll(removeTmpDirs);

test("a copy moved away by a drain leaves its log readable for --log-keep-departed, then it is removed", async () => {
  const z = await startZeus();
  const keep = ["--log-keep-departed", "3s"];
  const emperors = [await startEmperor("e1", `zeus:127.0.0.1:${z.port}`, keep), await startEmperor("e2", `zeus:127.0.0.1:${z.port}`, keep)];
  await emperorsReady(z, 2);
  writeVassals(z.dir, {
    "talk.toml":
      '[vassal]\ncommand = "/bin/sh"\nargs = ["-c", "echo hello from talk; exec sleep 1000"]\nstop_timeout = 1\n[vassal.update]\nmin_healthy = 0.2\n',
  });
  const first = await waitFor(
    async () => (await z.status())?.vassals.find((v) => v.name === "talk.toml" && v.state === "running")?.emperors[0]?.node,
    20_000,
    "talk.toml running",
  );
  const old = emperors.find((e) => e.node === first)!;
  const log = join(old.stateDir, "logs", "talk.toml.log");
  await waitFor(() => existsSync(log), 5000, "its log");
  const admin = ["--zeus", `127.0.0.1:${z.port}`];
  const drained = Date.now();
  expect((await run(bin("zeus"), ["drain", first, "--wait", ...admin])).code).toBe(0);

  // Gone from `first`, its log is still there and readable through zeus.
  const read = await run(bin("zeus"), ["logs", ...admin, "-n", "5", `talk.toml@${first}`]);
  expect(read.stdout).toContain("hello from talk");
  expect(read.code).toBe(0);
  const removedAt = await waitFor(() => (existsSync(log) ? undefined : Date.now()), 15_000, "the departed log removed");
  expect(readdirSync(join(old.stateDir, "logs")).filter((f) => f.startsWith("talk.toml"))).toEqual([]);
  // The emperor logs the removal after making it: its line may reach the pipe a moment later.
  const removedLine = /removed the log of departed vassal talk\.toml \(departed \ds ago, over --log-keep-departed 3s\)/;
  await waitFor(() => removedLine.test(old.proc.stderr()), 5000, "the removal logged");
  expect(old.proc.stderr()).toMatch(removedLine);
  // Not before its retention: it departed after the drain began.
  expect(removedAt - drained).toBeGreaterThanOrEqual(2900);
  // The copy that runs keeps its log.
  const holder = emperors.find((e) => e.node !== first)!;
  expect(existsSync(join(holder.stateDir, "logs", "talk.toml.log"))).toBe(true);
}, 60_000);
