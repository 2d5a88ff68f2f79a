// A process with every descriptor taken (a flood of clients) drops its pages and runs its idle
// trim without dying: a node once died of an unhandled EMFILE from /proc/self/status here.
import { afterAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { removeTmpDirs, run, tmpDir } from "../helpers/procs.ts";

afterAll(removeTmpDirs);

const pages = resolve(import.meta.dir, "../../lib/proc/startup_pages.ts");

test("out of descriptors: a drop of the pages, the start-up drop and the idle trim's checks go on, nothing thrown", async () => {
  const script = join(tmpDir(), "exhaust.ts");
  writeFileSync(
    script,
    `
import { openSync } from "node:fs";
import { dropStartupPages, dropStartupPagesSoon, trimWhenIdle } from ${JSON.stringify(pages)};
import { getLogger } from "@logtape/logtape";
const log = getLogger(["test"]);
// The first drop, as a daemon's start-up makes it, finds the executable's mappings while it still can.
const first = await dropStartupPages();
const held = [];
for (;;) {
  try { held.push(openSync("/dev/null", "r")); } catch { break; }
}
const exhausted = await dropStartupPages();
await new Promise((done) => { dropStartupPagesSoon(log, 0); setTimeout(done, 50); });
// Work once, then quiet: the first quiet check trims (a collection and a drop), later ones check again.
let calls = 0;
const activity = () => (++calls === 1 ? 0 : 1);
const stop = trimWhenIdle(log, activity, { everyMs: 20, busyMs: 20, shrink: () => {} });
while (calls < 6) await new Promise((r) => setTimeout(r, 10));
stop();
console.log(JSON.stringify({ first: "skipped" in first ? first.skipped : "dropped", exhausted, held: held.length, calls }));
`,
  );
  const r = await run("sh", ["-c", `ulimit -n 64 && exec ${JSON.stringify(process.execPath)} run ${JSON.stringify(script)}`], {
    cwd: resolve(import.meta.dir, "../.."),
  });
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  const out = JSON.parse(r.stdout);
  expect(out.first).toBe("dropped");
  expect(out.held).toBeGreaterThan(0);
  // The drop went on without /proc's figures.
  expect(out.exhausted.ranges).toBeGreaterThan(0);
  expect(out.exhausted.beforeKiB).toBeNull(); // NaN in JSON
  expect(out.calls).toBeGreaterThanOrEqual(6);
}, 30_000);
