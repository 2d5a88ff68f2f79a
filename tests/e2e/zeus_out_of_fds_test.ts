// A zeus under `ulimit -n 64` whose descriptors a flood of idle connections takes: it stays up,
// does not take a vassal file it cannot read for removed (the old code destroyed a.toml's
// copy, changed during the flood), says in one line what it cannot do (save its state), and
// once the flood is gone applies the files changed and added meanwhile and saves again.
import { afterAll, afterEach, expect, test } from "bun:test";
import { readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import type { Socket } from "node:net";
import { join } from "node:path";
import type { ZeusStatus } from "../../lib/zeus/zeus_status.ts";
import { bin, freePort, removeTmpDirs, start, tmpDir, waitFor, waitUp } from "../helpers/procs.ts";
import { rawConnect } from "../helpers/raw_socket.ts";
import { alive, allRunning, emperorsReady, sleeper, startEmperor, stopAll, type ZeusProc } from "./_zeus.ts";

afterEach(stopAll);
afterAll(removeTmpDirs);

const LIMIT = 64;

/** Writes a vassal file aside, then renames it into place (as config tools do). */
function put(dir: string, name: string, text: string): void {
  writeFileSync(join(dir, `.${name}.tmp`), text);
  renameSync(join(dir, `.${name}.tmp`), join(dir, name));
}

test(`out of descriptors (ulimit -n ${LIMIT}, a flood on its port): zeus stays up and applies and saves what changed once the flood is gone`, async () => {
  const dir = tmpDir("zeus-vassals-");
  const state = join(tmpDir(), "state.json");
  const port = await freePort();
  const statsPort = await freePort();
  put(dir, "a.toml", sleeper());
  const flags = `--listen 127.0.0.1:${port} --vassals ${dir} --stats 127.0.0.1:${statsPort} --dead-after 5 --state ${state}`;
  const proc = start("sh", ["-c", `ulimit -n ${LIMIT} && exec ${bin("zeus")} ${flags}`]);
  const status = async () => {
    try {
      return (await (await fetch(`http://127.0.0.1:${statsPort}/status`, { signal: AbortSignal.timeout(2000) })).json()) as ZeusStatus;
    } catch {
      return undefined;
    }
  };
  const z: ZeusProc = { proc, port, statsPort, dir, status };
  await waitUp(proc, status, 10_000, "zeus /status");
  const e1 = await startEmperor("e1", `zeus:127.0.0.1:${port}`);
  await emperorsReady(z, 1);
  await allRunning(z, 1);

  const flood: Socket[] = [];
  for (let i = 0; i < 200; i++) flood.push(await rawConnect("127.0.0.1", port).then((s) => s.on("error", () => {})));
  await waitFor(() => readdirSync(`/proc/${proc.pid}/fd`).length >= LIMIT - 1, 10_000, "zeus's descriptors all taken");
  put(dir, "a.toml", sleeper('env = { V = "2" }\n'));
  put(dir, "b.toml", sleeper());
  await waitFor(() => /cannot save state to .*EMFILE/.test(proc.stderr()), 10_000, "the failed save said");
  expect(alive(proc.pid)).toBe(true);
  for (const s of flood) s.destroy();

  const s = await allRunning(z, 2, 30_000);
  expect(s.vassals.map((v) => v.name).sort()).toEqual(["a.toml", "b.toml"]);
  await waitFor(() => /state saved to .* again/.test(proc.stderr()), 10_000, "the state saved again");
  expect(readFileSync(state, "utf8")).toContain("b.toml");
  const e1Status = await waitFor(() => e1.status(), 10_000, "e1 /status");
  expect(e1Status.vassals.map((v) => v.name).sort()).toEqual(["a.toml", "b.toml"]);
  expect(proc.stderr()).not.toMatch(/unexpected error|vassal a\.toml removed/);
  expect((proc.stderr().match(/cannot save state to/g) ?? []).length).toBe(1);
  expect(alive(proc.pid)).toBe(true);
}, 90_000);
