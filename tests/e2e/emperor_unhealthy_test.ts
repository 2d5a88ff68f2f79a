// A lone emperor and a vassal whose health check always fails (issue 21 item 6): each
// restart waits the throttle's doubling delay (1 s, then 2 s), at --fail-after (3) in a row
// the vassal is failed and left stopped, `emperor status` shows its health in the table,
// and a change of its file starts it again. Asserted on what the emperor logs and serves.
import { afterAll, afterEach, expect, test } from "bun:test";
import { bin, freePort, killAll, removeTmpDirs, run, waitFor } from "../helpers/procs.ts";
import { startEmperor, writeShVassal } from "./_emperor.ts";

afterEach(killAll);
afterAll(removeTmpDirs);

const checked = (port: number) =>
  `stop_timeout = 1\ncheck = "tcp://127.0.0.1:${port}"\ncheck_interval = 0.2\ncheck_timeout = 1\ncheck_grace = 0\ncheck_failures = 2\n`;

/** The time of each log line matching `re` (the emperor stamps its lines to the millisecond). */
function stamped(log: string, re: RegExp): { at: number; m: RegExpExecArray }[] {
  return log.split("\n").flatMap((line) => {
    const m = re.exec(line);
    const t = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d\.\d{3}) \+00/.exec(line);
    return m && t ? [{ at: Date.parse(`${t[1]}T${t[2]}Z`), m }] : [];
  });
}

test("a lone emperor restarts an always-unhealthy vassal with a growing backoff, then leaves it failed until its file changes", async () => {
  const em = await startEmperor();
  const nobody = await freePort(); // nothing listens there: every check fails
  writeShVassal(em.dir, "sick.toml", "exec sleep 1000", checked(nobody));
  const status = async () => (await run(bin("emperor"), ["status", "--stats", `127.0.0.1:${em.statsPort}`])).stdout;

  // Between restarts the table shows it waiting, unhealthy.
  await waitFor(async () => /^sick\.toml\s+plain\s+backoff\s+unhealthy\s/m.test(await status()), 20_000, "a backoff row, unhealthy");
  const failed = await waitFor(
    async () => ((await em.vassal("sick.toml"))?.state === "failed" ? em.vassal("sick.toml") : undefined),
    30_000,
    "failed",
  );
  expect(failed).toMatchObject({ state: "failed", unhealthy_restarts: 3, check: { state: "unhealthy" } });
  expect(failed!.pid).toBeUndefined();
  const table = await status();
  expect(table).toMatch(/^sick\.toml\s+plain\s+failed\s+unhealthy\s+-\s+3\s/m);
  expect(table).toContain("sick.toml: unhealthy 3 times in a row, the last check: ECONNREFUSED");

  const log = em.proc.stderr();
  expect(stamped(log, /vassal sick\.toml is unhealthy/).length).toBe(3);
  const waits = stamped(log, /restarting vassal sick\.toml in (\d+) ms/);
  expect(waits.map((w) => Number(w.m[1]))).toEqual([1000, 2000]);
  const starts = stamped(log, /vassal sick\.toml started, pid (\d+)/);
  expect(starts.length).toBe(3); // the first start and two restarts, none after the bound
  // Each restart came after its delay, never earlier.
  for (const [i, w] of waits.entries()) expect(starts[i + 1]!.at - w.at).toBeGreaterThanOrEqual(Number(w.m[1]) - 1);
  expect(log).toMatch(/vassal sick\.toml failed \(unhealthy 3 times in a row\): not restarted until its file changes/);

  // Its file changes (the check now reaches a listener): it runs again, healthy.
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  try {
    writeShVassal(em.dir, "sick.toml", "exec sleep 1000", checked(server.port));
    await waitFor(async () => (await em.vassal("sick.toml"))?.check?.state === "healthy", 15_000, "healthy again");
    const healed = await em.vassal("sick.toml");
    expect(healed).toMatchObject({ state: "running" });
    expect(healed!.unhealthy_restarts).toBeUndefined();
    expect(await status()).toMatch(/^sick\.toml\s+plain\s+running\s+healthy\s/m);
  } finally {
    server.stop(true);
  }
}, 90_000);
