// An emperor under `ulimit -n 64` whose descriptors a flood of idle connections to its stats
// port takes: it stays up, its vassal logs rotate without losing a line (the output goes on
// into the moved file), a vassal file changed meanwhile is applied once it can be read (not
// taken for removed), a vassal started meanwhile fails with one clear line and starts once
// the flood is gone.
import { afterAll, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import type { Socket } from "node:net";
import { join } from "node:path";
import { bin, freePort, killAll, removeTmpDirs, start, tmpDir, waitFor, waitUp } from "../helpers/procs.ts";
import { rawConnect } from "../helpers/raw_socket.ts";
import { alive, writeShVassal } from "./_emperor.ts";
import type { VassalView } from "../../lib/emperor/status_view.ts";

afterAll(async () => {
  await killAll();
  removeTmpDirs();
});

const LIMIT = 64;

/** The numbers of chatty's `line N` lines, oldest file first. */
function chattyLines(logs: string): number[] {
  const rotated = readdirSync(logs)
    .map((f) => /^chatty\.toml\.log\.(\d+)$/.exec(f)?.[1])
    .filter((n) => n !== undefined)
    .map(Number)
    .sort((a, b) => b - a);
  const files = [...rotated.map((n) => join(logs, `chatty.toml.log.${n}`)), join(logs, "chatty.toml.log")].filter(existsSync);
  return files.flatMap((f) =>
    readFileSync(f, "utf8")
      .split("\n")
      .filter((l) => l.startsWith("line "))
      .map((l) => Number(l.slice(5))),
  );
}

test(`out of descriptors (ulimit -n ${LIMIT}, a flood on --stats): the emperor stays up, loses no output, and applies what changed once the flood is gone`, async () => {
  const dir = tmpDir("emperor-dir-");
  const stateDir = join(tmpDir("emperor-state-"), "state");
  const logs = join(stateDir, "logs");
  const statsPort = await freePort();
  writeShVassal(dir, "chatty.toml", "i=0; while :; do i=$((i+1)); echo line $i; sleep 0.02; done", 'log_max_size = "1K"\nlog_keep = 50\n');
  writeShVassal(dir, "edit.toml", "echo first; exec sleep 600");
  const cmd = `ulimit -n ${LIMIT} && exec ${bin("emperor")} --emperor ${dir} --state-dir ${stateDir} --stats 127.0.0.1:${statsPort}`;
  const em = start("sh", ["-c", cmd]);
  const vassals = async (): Promise<VassalView[]> =>
    ((await (await fetch(`http://127.0.0.1:${statsPort}/status`)).json()) as { vassals: VassalView[] }).vassals;
  const running = async (name: string) => (await vassals()).find((v) => v.name === name && v.state === "running")?.pid;
  await waitUp(em, () => vassals().catch(() => undefined), 10_000, "the emperor's /status");
  const chattyPid = await waitFor(() => running("chatty.toml"), 10_000, "chatty running");
  const editPid = await waitFor(() => running("edit.toml"), 10_000, "edit running");

  const flood: Socket[] = [];
  for (let i = 0; i < 200; i++) flood.push(await rawConnect("127.0.0.1", statsPort).then((s) => s.on("error", () => {})));
  const fds = () => readdirSync(`/proc/${em.pid}/fd`).length;
  await waitFor(() => fds() >= LIMIT - 1, 10_000, "the emperor's descriptors all taken");
  // Meanwhile: one vassal changed, one added, and chatty's log rotated at least twice over.
  writeShVassal(dir, "edit.toml", "echo second; exec sleep 600");
  writeShVassal(dir, "late.toml", "echo late; exec sleep 600");
  const before = chattyLines(logs).length;
  await waitFor(
    () => chattyLines(logs).length > before + 100 && fds() >= LIMIT - 1,
    10_000,
    "chatty's output written while out of descriptors",
  );
  expect(alive(em.pid)).toBe(true);
  for (const s of flood) s.destroy();

  // Once the flood is gone: everything applied, nothing lost, chatty never restarted.
  await waitFor(async () => (await running("late.toml").catch(() => undefined)) !== undefined, 20_000, "late running");
  await waitFor(
    async () => ((await running("edit.toml").catch(() => undefined)) ?? editPid) !== editPid,
    20_000,
    "edit restarted with its new config",
  );
  await waitFor(() => readFileSync(join(logs, "edit.toml.log"), "utf8").includes("second"), 5000, "edit's new output");
  expect(await running("chatty.toml")).toBe(chattyPid);
  const lines = chattyLines(logs);
  expect(lines.length).toBeGreaterThan(before + 100);
  expect(lines).toEqual(Array.from({ length: lines.length }, (_, i) => i + 1));
  const err = em.stderr();
  expect(err).not.toMatch(/vassal edit\.toml (stopped|destroyed|removed)/);
  expect(err).not.toMatch(/protocol error|undefined is not an object/);
  expect(err).toMatch(/cannot open a new vassal log .*chatty\.toml\.log: EMFILE; writing on to .*chatty\.toml\.log\.1 until it can/);
  expect(alive(em.pid)).toBe(true);
}, 90_000);

test(`out of descriptors (ulimit -n ${LIMIT}): a vassal's first HTTP check during a flood fails in one line, and the emperor stays up`, async () => {
  const dir = tmpDir("emperor-dir-");
  const stateDir = join(tmpDir("emperor-state-"), "state");
  const statsPort = await freePort();
  const checked = await freePort();
  // Checked after 3 s: by then the flood has taken every descriptor.
  writeShVassal(dir, "web.toml", "exec sleep 600", `check = "http://127.0.0.1:${checked}/health"\ncheck_grace = 3\ncheck_interval = 1\n`);
  const cmd = `ulimit -n ${LIMIT} && exec ${bin("emperor")} --emperor ${dir} --state-dir ${stateDir} --stats 127.0.0.1:${statsPort}`;
  const em = start("sh", ["-c", cmd]);
  await waitUp(em, () => fetch(`http://127.0.0.1:${statsPort}/status`).catch(() => undefined), 10_000, "the emperor's /status");
  const flood: Socket[] = [];
  for (let i = 0; i < 200; i++) flood.push(await rawConnect("127.0.0.1", statsPort).then((s) => s.on("error", () => {})));
  await waitFor(() => readdirSync(`/proc/${em.pid}/fd`).length >= LIMIT - 1, 10_000, "the emperor's descriptors all taken");
  await waitFor(() => /vassal web\.toml check failed: EMFILE/.test(em.stderr()) || !alive(em.pid), 15_000, "the first check");
  expect(em.stderr()).not.toMatch(/ran out of file descriptors \(ProcessFdQuotaExceeded\)/);
  expect(alive(em.pid)).toBe(true);
  for (const s of flood) s.destroy();
  await waitFor(() => /vassal web\.toml check failed: ECONNREFUSED/.test(em.stderr()), 15_000, "a check once the flood is gone");
  expect(alive(em.pid)).toBe(true);
}, 90_000);
