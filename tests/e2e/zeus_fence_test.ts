// Fencing a single zeus with a state file (issue 27 item 4): its term grows at each start
// and is saved there; a paused zeus whose successor took over from the same state file is
// refused by the emperors once it speaks again, and both sides log it.
import { afterAll, afterEach, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { bin, freePort, removeTmpDirs, run, tmpDir, waitFor } from "../helpers/procs.ts";
import { allRunning, copies, emperorsReady, sleeper, startEmperor, startZeus, stopAll, writeVassals } from "./_zeus.ts";

afterEach(stopAll);
afterAll(removeTmpDirs);

const termIn = (stateFile: string): unknown => JSON.parse(readFileSync(stateFile, "utf8")).term;
const keptTerm = (stateDir: string): string => readFileSync(join(stateDir, "zeus_term"), "utf8").trim();

test("SIGSTOP of a single zeus past its emperor's patience: its successor's term wins, its late command is refused and logged", async () => {
  const stateFile = join(tmpDir("zeus-state-"), "state.json");
  const [portA, portB] = [await freePort(), await freePort()];
  const a = await startZeus({ port: portA, extra: ["--state", stateFile] });
  expect(termIn(stateFile)).toBe(1);
  writeVassals(a.dir, { "a.toml": sleeper() });
  const e1 = await startEmperor("e1", `zeus:127.0.0.1:${portA}`, ["--emperor", `zeus:127.0.0.1:${portB}`]);
  await allRunning(a, 1);
  expect(keptTerm(e1.stateDir)).toBe("1");

  process.kill(a.proc.pid, "SIGSTOP");
  try {
    // The emperor leaves the silent zeus; a second one takes over from the same state file.
    await waitFor(() => e1.proc.stderr().includes("has been silent"), 20_000, "e1 leaving the paused zeus");
    const b = await startZeus({ dir: a.dir, port: portB, extra: ["--state", stateFile] });
    expect(termIn(stateFile)).toBe(2);
    await emperorsReady(b, 1, 20_000);
    writeVassals(a.dir, { "b.toml": sleeper() });
    await allRunning(b, 2);
    expect(keptTerm(e1.stateDir)).toBe("2");
    // The successor goes away; the emperor goes back to the old zeus, which wakes up.
    process.kill(b.proc.pid, "SIGKILL");
  } finally {
    process.kill(a.proc.pid, "SIGCONT");
  }
  await waitFor(async () => (await a.status())?.emperors.some((e) => e.node === "e1" && e.ready), 20_000, "e1 back on the old zeus");
  const before = await copies([e1]);
  const said = await run(bin("zeus"), ["stop", "a.toml", "--zeus", `127.0.0.1:${portA}`]);
  expect(said.code).toBe(0);
  const refusal = "VASSAL_DESTROY a.toml from zeus term 1 refused: this emperor has seen term 2";
  await waitFor(() => e1.proc.stderr().includes(refusal), 10_000, "the emperor refusing the old term");
  await waitFor(() => a.proc.stderr().includes(`emperor e1 reports an error: ${refusal}`), 10_000, "the old zeus logging the refusal");
  // The refused command changed nothing: a.toml runs on, with the same pid.
  expect((await copies([e1])).get("a.toml")).toEqual(before.get("a.toml"));
  expect(keptTerm(e1.stateDir)).toBe("2");
}, 90_000);
