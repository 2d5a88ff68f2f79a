// `emperor restart|stop|start NAME` on a lone emperor's local socket: restart gives the
// vassal a new process; stop ends it and keeps it stopped through an emperor restart (its
// file still there), its log still readable; start runs it again.
import { afterAll, afterEach, expect, test } from "bun:test";
import { EXIT } from "../../lib/errors.ts";
import { bin, killAll, removeTmpDirs, run, waitFor } from "../helpers/procs.ts";
import { alive, startEmperor, writeShVassal } from "./_emperor.ts";

afterEach(killAll);
afterAll(removeTmpDirs);

test("emperor restart, stop (kept through an emperor restart), start", async () => {
  const em = await startEmperor();
  writeShVassal(em.dir, "web.toml", "echo hello-web; exec sleep 1000");
  const first = await em.running("web.toml");
  const ctl = (what: string, name = "web.toml") => run(bin("emperor"), [what, "--state-dir", em.stateDir, name]);

  const restarted = await ctl("restart");
  expect(restarted.code).toBe(0);
  expect(restarted.stdout).toContain("restarting web.toml");
  const second = await em.running("web.toml", first);
  expect(alive(first)).toBe(false);

  const unknown = await ctl("restart", "nope.toml");
  expect(unknown.code).toBe(EXIT.notFound);
  expect(unknown.stderr).toContain('runs no vassal "nope.toml"');

  const stopped = await ctl("stop");
  expect(stopped.code).toBe(0);
  expect(stopped.stdout).toContain("stays stopped until emperor start web.toml");
  expect(await em.vassal("web.toml")).toBeUndefined();
  expect(alive(second)).toBe(false);
  const table = await run(bin("emperor"), ["status", "--stats", `127.0.0.1:${em.statsPort}`]);
  expect(table.stdout).toMatch(/^web\.toml\s+-\s+stopped/m);
  expect(em.proc.stderr()).toMatch(/admin local: stop web\.toml: stopped web\.toml/);
  // Its log is still readable: it did not leave with the vassal.
  const logs = await run(bin("emperor"), ["logs", "--state-dir", em.stateDir, "web.toml"]);
  expect(logs.code).toBe(0);
  expect(logs.stdout).toContain("hello-web");

  // Through a restart of the emperor: the other vassal runs again, web.toml does not.
  em.proc.child.kill("SIGTERM");
  await em.proc.exited;
  const again = await startEmperor({ dir: em.dir, stateDir: em.stateDir });
  writeShVassal(em.dir, "other.toml", "exec sleep 1000");
  await again.running("other.toml");
  expect(await again.vassal("web.toml")).toBeUndefined();

  const started = await run(bin("emperor"), ["start", "--state-dir", em.stateDir, "web.toml"]);
  expect(started.code).toBe(0);
  expect(started.stdout).toContain("starting web.toml");
  await again.running("web.toml");
  await waitFor(
    async () => !/stopped/.test((await run(bin("emperor"), ["status", "--stats", `127.0.0.1:${again.statsPort}`])).stdout),
    5000,
    "no stopped row",
  );
}, 60_000);
