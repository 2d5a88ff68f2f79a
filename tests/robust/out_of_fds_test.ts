// Files a daemon touches from its timers and events, in a process with every descriptor
// taken (a flood of clients): nothing thrown, nothing lost, and all goes on once they are back.
import { afterAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { removeTmpDirs, run, tmpDir } from "../helpers/procs.ts";

afterAll(removeTmpDirs);

const lib = resolve(import.meta.dir, "../../lib");

/** Runs `body` (TypeScript) under `ulimit -n 64`, with `exhaust()` and `giveBack()` defined; returns its JSON output. */
async function outOfFds(body: string): Promise<Record<string, unknown>> {
  const script = join(tmpDir(), "exhaust.ts");
  writeFileSync(
    script,
    `
import { closeSync, openSync } from "node:fs";
const held: number[] = [];
const exhaust = () => { for (;;) { try { held.push(openSync("/dev/null", "r")); } catch { break; } } };
const giveBack = () => { for (const fd of held.splice(0)) closeSync(fd); };
const lib = ${JSON.stringify(lib)};
${body}
`,
  );
  const r = await run("sh", ["-c", `ulimit -n 64 && exec ${JSON.stringify(process.execPath)} run ${JSON.stringify(script)}`], {
    cwd: resolve(import.meta.dir, "../.."),
  });
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}

test("the watcher out of descriptors: a file changed meanwhile is not reported removed, and is seen changed once it can be read", async () => {
  const dir = tmpDir();
  writeFileSync(join(dir, "web.toml"), "one\n");
  const out = await outOfFds(`
const { DirWatcher } = await import(lib + "/watch/dir_watcher.ts");
const { writeFileSync } = await import("node:fs");
const changes: string[] = [];
const w = new DirWatcher(${JSON.stringify(dir)}, { match: () => true, onChange: (c) => changes.push(JSON.stringify(c)) });
w.scan();
writeFileSync(${JSON.stringify(join(dir, "web.toml"))}, "two, longer\\n");
exhaust();
w.scan();
w.scanNames(["web.toml"]);
await w.scanSliced();
const whileOut = changes.slice(1);
giveBack();
w.scan();
console.log(JSON.stringify({ first: changes[0], whileOut, after: changes.slice(1 + whileOut.length) }));
`);
  expect(out.first).toContain("web.toml");
  expect(out.whileOut).toEqual([]);
  expect(out.after).toEqual([expect.stringContaining('"changed":["web.toml"]')]);
}, 30_000);

test("a vassal log rotated out of descriptors: the output goes on to the moved file, the old files stay, and the next write opens the new one", async () => {
  const dir = tmpDir();
  const path = join(dir, "web.log");
  const out = await outOfFds(`
const { VassalLog, vassalLogLostBytes } = await import(lib + "/emperor/vassal_log.ts");
const { existsSync, readFileSync, writeFileSync } = await import("node:fs");
writeFileSync(${JSON.stringify(path)} + ".2", "oldest\\n");
writeFileSync(${JSON.stringify(path)} + ".1", "older\\n");
const log = new VassalLog(${JSON.stringify(path)}, { maxSize: 10, keep: 3 });
log.append(Buffer.from("0123456789"));
exhaust();
for (let i = 0; i < 5; i++) log.append(Buffer.from("line " + i + "\\n"));
giveBack();
log.append(Buffer.from("back\\n"));
const read = (p: string) => (existsSync(p) ? readFileSync(p, "utf8") : null);
console.log(JSON.stringify({ lost: vassalLogLostBytes(), now: read(${JSON.stringify(path)}), one: read(${JSON.stringify(path)} + ".1"), two: read(${JSON.stringify(path)} + ".2"), three: read(${JSON.stringify(path)} + ".3") }));
`);
  expect(out.lost).toBe(0);
  expect(out.one).toBe("0123456789line 0\nline 1\nline 2\nline 3\nline 4\n");
  expect(out.two).toBe("older\n");
  expect(out.three).toBe("oldest\n");
  expect(out.now).toBe("back\n");
}, 30_000);

test("zeus's vassal source out of descriptors: a change it could not read comes again at the next scan, none lost", async () => {
  const dir = tmpDir();
  writeFileSync(join(dir, "web.toml"), "one\n");
  const out = await outOfFds(`
const { dirSource } = await import(lib + "/zeus/vassal_source.ts");
const { writeFileSync } = await import("node:fs");
const seen: string[] = [];
const source = dirSource(${JSON.stringify(dir)});
let starve = false;
await source.start((c) => {
  // The scan read the file; then a flood of clients takes the last descriptors before zeus reads it.
  if (starve) exhaust();
  for (const name of [...c.added, ...c.changed]) seen.push(name + ": " + (source.read(name)?.toString().trim() ?? "unreadable"));
  giveBack();
});
writeFileSync(${JSON.stringify(join(dir, "web.toml"))}, "two\\n");
starve = true;
source.rescan();
starve = false;
source.rescan();
source.stop();
console.log(JSON.stringify({ seen }));
`);
  expect(out.seen).toEqual(["web.toml: one", "web.toml: unreadable", "web.toml: two"]);
}, 30_000);

test("a vassal's cgroup emptied out of descriptors: the kill is tried again until cgroup.kill can be written, not given up after its tries", async () => {
  const out = await outOfFds(`
const { CgroupTree } = await import(lib + "/emperor/cgroup.ts");
const { spawn } = await import("node:child_process");
const { writeFileSync } = await import("node:fs");
const tree = CgroupTree.open(${JSON.stringify(tmpDir())});
if (!tree) { console.log(JSON.stringify({ skipped: "no cgroup v2 here" })); process.exit(0); }
const { procs } = tree.prepare("v", {});
const child = spawn("sleep", ["600"], { stdio: "ignore" });
writeFileSync(procs, String(child.pid));
const gone = new Promise((done) => child.once("exit", done));
const alive = () => child.exitCode === null && child.signalCode === null;
exhaust();
tree.removeSoon("v", 2); // gave up after 2 tries (200 ms) when it could not even write cgroup.kill
await new Promise((r) => setTimeout(r, 500));
const whileOut = alive();
giveBack();
const t0 = performance.now();
await Promise.race([gone, new Promise((r) => setTimeout(r, 3000))]);
const after = alive();
if (after) child.kill("SIGKILL");
await gone;
const ms = Math.round(performance.now() - t0);
const { existsSync, rmdirSync } = await import("node:fs");
// The removal's next try takes v away; the old code, which gave up, leaves it to this cleanup.
for (let i = 0; i < 5 && existsSync(tree.path + "/v"); i++) await new Promise((r) => setTimeout(r, 100));
if (existsSync(tree.path + "/v")) rmdirSync(tree.path + "/v");
rmdirSync(tree.path);
console.log(JSON.stringify({ whileOut, after, ms }));
`);
  if (out.skipped) return void console.warn(out.skipped);
  expect(out).toMatchObject({ whileOut: true, after: false });
}, 30_000);

test("an HTTP check out of descriptors before any fetch fails in one line instead of Bun ending the process, and works once they are back", async () => {
  const out = await outOfFds(`
const { probe } = await import(lib + "/emperor/check_probe.ts");
exhaust();
const whileOut = await probe({ kind: "http", url: "http://127.0.0.1:9/health" }, 1000, "/tmp");
giveBack();
const after = await probe({ kind: "http", url: "http://127.0.0.1:9/health" }, 1000, "/tmp");
console.log(JSON.stringify({ whileOut, after }));
`);
  expect(out.whileOut).toEqual({ ok: false, detail: "EMFILE: too few descriptors free to start the HTTP client" });
  expect(out.after).toMatchObject({ ok: false, detail: expect.stringMatching(/ECONNREFUSED/) });
}, 30_000);
