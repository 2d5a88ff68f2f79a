// zeus under libfaketime (Debian's faketime), its wall clock stepped 30 s forward while it
// runs, as an NTP step would: no emperor is declared dead, no vassal moves (issue 27: every
// emperor was lost at once). The monotonic clock is left alone, as the kernel leaves it.
import { afterAll, afterEach, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { removeTmpDirs, tmpDir, waitFor } from "../helpers/procs.ts";
import { allRunning, sleeper, startEmperor, startZeus, stopAll, writeVassals } from "./_zeus.ts";

afterEach(stopAll);
afterAll(removeTmpDirs);

const LIBFAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

test.skipIf(!existsSync(LIBFAKETIME))(
  "a 30 s forward step of zeus's wall clock loses no emperor and moves no vassal",
  async () => {
    const offset = join(tmpDir("zeus-faketime-"), "offset");
    writeFileSync(offset, "+0\n");
    const z = await startZeus({
      env: { LD_PRELOAD: LIBFAKETIME, FAKETIME_TIMESTAMP_FILE: offset, FAKETIME_NO_CACHE: "1", FAKETIME_DONT_FAKE_MONOTONIC: "1" },
    });
    const spec = `zeus:127.0.0.1:${z.port}`;
    await startEmperor("e1", spec);
    await startEmperor("e2", spec);
    writeVassals(z.dir, { "a.toml": sleeper(), "b.toml": sleeper() });
    const before = await allRunning(z, 2);
    const stepped = Date.now() + 30_000;
    writeFileSync(offset, "+30s\n");
    // Wait (on zeus's own clock) until both emperors have been heard for longer than
    // --dead-after (2 s) after the step: the old zeus had lost them both by then.
    const after = await waitFor(
      async () => {
        const s = await z.status();
        const heard = s?.emperors.map((e) => Date.parse(e.last_heartbeat ?? "")) ?? [];
        return s && heard.length === 2 && heard.every((t) => t > stepped + 2500) ? s : undefined;
      },
      20_000,
      "heartbeats dated 2.5 s after the step",
    );
    expect(after.emperors.map((e) => e.alive)).toEqual([true, true]);
    expect(after.counters.emperors_lost).toBe(0);
    expect(after.vassals.map((v) => [v.name, v.emperors.map((c) => [c.node, c.pid])])).toEqual(
      before.vassals.map((v) => [v.name, v.emperors.map((c) => [c.node, c.pid])]),
    );
    expect(z.proc.stderr() + z.proc.stdout()).not.toContain("lost (no I_AM_ALIVE");
  },
  60_000,
);
