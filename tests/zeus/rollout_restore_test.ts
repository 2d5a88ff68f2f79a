// Rolling updates across a zeus restart, sans I/O: the rollout's state and each vassal's last
// good config are saved, a restore resumes the rollout one copy at a time, keeps a revert, and
// auto_revert still knows where to go back to.
import { expect, test } from "bun:test";
import { Coordinator } from "../../lib/zeus/coordinator.ts";
import { restoreState, snapshotState } from "../../lib/zeus/state_snapshot.ts";
import { configsOf, type VassalRecord } from "../../lib/zeus/records.ts";
import { loadState, saveState, type ZeusState } from "../../lib/zeus/state_file.ts";
import { stateFromKeys, stateKeys } from "../../lib/zeus/state_keys.ts";
import { sha256Hex, type ZeusMessage } from "../../lib/zeus_protocol/mod.ts";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const enc = (s: string) => new TextEncoder().encode(s);
const conf = (tag: string, revert = true) =>
  enc(
    `[vassal]\ncommand = "/bin/sleep"\nenv = { TAG = "${tag}" }\nnodes = 3\n[vassal.update]\nmax_parallel = 1\nmin_healthy = 1\nauto_revert = ${revert}\n`,
  );
const NODES = ["e1", "e2", "e3"] as const;

/** The digest of vassal `name`'s last good config in `core`, if it has one. */
function lastGoodSha(core: Coordinator, name: string): string | undefined {
  const id = core.vassals.get(name)?.lastGood;
  return id ? core.configs.digest(id) : undefined;
}

function zeus(state?: ZeusState) {
  let now = 1000;
  const sent: { conn: number; m: ZeusMessage }[] = [];
  const io = { now: () => now, send: (conn: number, m: ZeusMessage) => void sent.push({ conn, m }), close: () => {}, changed: () => {} };
  const core = new Coordinator(io, { deadAfterMs: 5000, settleMs: state ? 5000 : 0, maxRejections: 3 });
  if (state) core.restore(state);
  /** Emperor `node` (connection i + 1) reports what it runs, then that each copy runs well. */
  const connect = (node: string, runs: Record<string, string> = {}) => {
    const conn = NODES.indexOf(node as never) + 1;
    core.connOpened(conn, `127.0.0.1:${conn}`);
    core.message(conn, { type: "I_AM_ALIVE", node, maxVassals: 10, runningVassals: 0 });
    const vassals = Object.entries(runs).map(([name, sha256]) => ({ name, pid: 100 + conn, restarts: 0, sha256 }));
    if (vassals.length) core.message(conn, { type: "VASSAL_REPORT", vassals });
    core.message(conn, { type: "REPORT_END", count: vassals.length });
    for (const v of vassals) core.message(conn, { type: "VASSAL_STATE", name: v.name, state: "running", pid: v.pid, restarts: 0 });
  };
  /** Every emperor answers what was sent to it as a well-behaved one: accepted, spawned or reloaded, running. */
  const answer = () => {
    for (let batch = sent.splice(0); batch.length > 0; batch = sent.splice(0))
      for (const { conn, m } of batch) {
        const pid = 200 + conn;
        if (m.type === "NEW_VASSAL") core.message(conn, { type: "ACCEPTED_VASSAL", name: m.name });
        if (m.type === "CONFIG_END") {
          core.message(conn, { type: "VASSAL_SPAWNED", name: m.name, pid, restarts: 0 });
          core.message(conn, { type: "VASSAL_STATE", name: m.name, state: "running", pid, restarts: 0 });
        }
      }
  };
  const updated = () => sent.filter((s) => s.m.type === "VASSAL_UPDATE").map((s) => NODES[s.conn - 1]);
  return { core, sent, connect, answer, updated, advance: (ms: number) => (now += ms) };
}

/** Three copies of web.toml on v1, v1 recorded as the last good config. */
function runningV1() {
  const z = zeus();
  for (const n of NODES) z.connect(n);
  z.core.fileSet("web.toml", conf("v1"));
  z.answer();
  z.core.tick();
  expect(lastGoodSha(z.core, "web.toml")).toBe(sha256Hex(conf("v1")));
  return z;
}

test("the rollout's state, the last good config and a revert are saved and restored as they were", () => {
  const z = runningV1();
  z.core.fileSet("web.toml", conf("v2"));
  const state = z.core.snapshot();
  const saved = state.vassals[0]!;
  expect(saved.rollout).toEqual({ target: sha256Hex(conf("v2")), state: "rolling", updated: 0, total: 3, waiting: [] });
  expect(Buffer.from(saved.lastGood!.body, "base64").toString()).toBe(new TextDecoder().decode(conf("v1")));
  // Through the file and back.
  const dir = mkdtempSync(join(tmpdir(), "rollout-state-"));
  try {
    saveState(join(dir, "s.json"), state);
    const loaded = loadState(join(dir, "s.json"))!;
    const vassals = new Map<string, VassalRecord>();
    const configs = configsOf(vassals);
    restoreState(loaded, new Map(), vassals, configs);
    const v = vassals.get("web.toml")!;
    expect(v.rollout).toEqual(saved.rollout);
    expect([configs.digest(v.lastGood!), configs.bytes(v.lastGood!)]).toEqual([sha256Hex(conf("v1")), conf("v1")]);
    // A body that does not match its digest is not trusted; a malformed field is a clear error.
    const forged = structuredClone(loaded);
    forged.vassals[0]!.lastGood!.body = Buffer.from("other").toString("base64");
    const again = new Map<string, VassalRecord>();
    restoreState(forged, new Map(), again, configsOf(again));
    expect(again.get("web.toml")!.lastGood).toBeUndefined();
    writeFileSync(
      join(dir, "bad.json"),
      JSON.stringify({ ...loaded, vassals: [{ ...loaded.vassals[0], lastGood: { sha256: "x", body: 3 } }] }),
    );
    expect(() => loadState(join(dir, "bad.json"))).toThrow(
      `state file ${join(dir, "bad.json")}: vassal web.toml: lastGood is not { sha256, body (base64) }`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  expect(snapshotState(new Map(), new Map(), configsOf(new Map()), 0).vassals).toEqual([]);
});

test("a restart mid-rollout resumes it one copy at a time instead of updating every stale copy at once", () => {
  const z = runningV1();
  z.core.fileSet("web.toml", conf("v2"));
  expect(z.updated()).toEqual(["e1"]);
  z.answer();
  const state = z.core.snapshot();

  const r = zeus(state);
  r.core.fileSet("web.toml", conf("v2"));
  r.connect("e1", { "web.toml": sha256Hex(conf("v2")) });
  r.connect("e2", { "web.toml": sha256Hex(conf("v1")) });
  r.connect("e3", { "web.toml": sha256Hex(conf("v1")) });
  r.core.tick();
  expect(r.updated()).toEqual([]);
  // e1 proves itself on v2 for min_healthy, then the next copy goes, and so on.
  r.advance(1000);
  r.core.tick();
  for (const [name, n] of [
    ["e2", 2],
    ["e3", 3],
  ] as const) {
    expect(r.updated()).toEqual([name]);
    r.sent.splice(0);
    r.core.message(n, { type: "VASSAL_RELOADED", name: "web.toml", pid: 300 + n, restarts: 0 });
    r.core.tick();
    r.advance(1000);
    r.core.tick();
  }
  const v = r.core.vassals.get("web.toml")!;
  expect(v.rollout).toMatchObject({ state: "done", updated: 3, total: 3 });
  expect(lastGoodSha(r.core, "web.toml")).toBe(sha256Hex(conf("v2")));
});

test("after a restart mid-rollout, a failing copy is reverted to the last good config saved before the restart", () => {
  const z = runningV1();
  z.core.fileSet("web.toml", conf("v2"));
  z.answer();
  const r = zeus(z.core.snapshot());
  r.core.fileSet("web.toml", conf("v2"));
  r.connect("e1", { "web.toml": sha256Hex(conf("v2")) });
  r.connect("e2", { "web.toml": sha256Hex(conf("v1")) });
  r.connect("e3", { "web.toml": sha256Hex(conf("v1")) });
  r.core.tick();
  // Its check last passed ("exit 0") before it died: the reason is the death, not a list of both exits.
  r.core.message(1, {
    type: "VASSAL_STATE",
    name: "web.toml",
    state: "backoff",
    pid: 0,
    restarts: 1,
    exitCode: 3,
    streak: 1,
    check: "exit 0",
  });
  r.core.tick();
  const v = r.core.vassals.get("web.toml")!;
  expect(v.rollout).toMatchObject({ state: "reverted", reason: "e1: backoff after exit 3 (1 quick death in a row)" });
  expect(r.updated()).toEqual(["e1"]);
  expect(r.sent).toContainEqual({ conn: 1, m: { type: "CONFIG_END", name: "web.toml", sha256: sha256Hex(conf("v1")) } });
});

test("a revert survives a restart: the failed config is not rolled out again until the file changes", () => {
  const z = runningV1();
  z.core.fileSet("web.toml", conf("v2"));
  z.answer();
  z.core.message(1, { type: "VASSAL_STATE", name: "web.toml", state: "backoff", pid: 0, restarts: 1, exitCode: 1, streak: 1 });
  z.core.tick();
  expect(z.core.vassals.get("web.toml")!.rollout!.state).toBe("reverted");
  z.sent.splice(0);
  z.core.message(1, { type: "VASSAL_RELOADED", name: "web.toml", pid: 401, restarts: 1 });

  const r = zeus(z.core.snapshot());
  r.core.fileSet("web.toml", conf("v2"));
  for (const n of NODES) r.connect(n, { "web.toml": sha256Hex(conf("v1")) });
  r.advance(5000);
  r.core.tick();
  const v = r.core.vassals.get("web.toml")!;
  expect(v.rollout!.state).toBe("reverted");
  expect(v.sha256).toBe(sha256Hex(conf("v1")));
  expect(r.updated()).toEqual([]);
  expect(r.core.counters.placed).toBe(0);
  // A new config rolls out again.
  r.core.fileSet("web.toml", conf("v3"));
  expect(r.updated()).toEqual(["e1"]);
  expect(v.rollout).toMatchObject({ state: "rolling", target: sha256Hex(conf("v3")) });
});

test("the etcd layout (one key per vassal) carries the rollout, the last good config, a revert, a failure and a moving copy", () => {
  const z = runningV1();
  z.core.fileSet("web.toml", conf("v2"));
  const state = z.core.snapshot();
  state.vassals[0]!.assignments[0]!.state = "moving";
  state.vassals[0]!.revertedFrom = "f".repeat(64);
  state.vassals[0]!.failed = "why";
  const back = stateFromKeys(stateKeys(state));
  expect(back.vassals).toEqual(state.vassals);
  const vassals = new Map<string, VassalRecord>();
  const configs = configsOf(vassals);
  restoreState(back, new Map(), vassals, configs);
  const v = vassals.get("web.toml")!;
  expect(v.rollout).toMatchObject({ state: "rolling", target: sha256Hex(conf("v2")) });
  expect(configs.bytes(v.lastGood!)).toEqual(conf("v1"));
  expect([v.revertedFrom, v.failed]).toEqual(["f".repeat(64), "why"]);
  expect(v.copiesOn.get(state.vassals[0]!.assignments[0]!.node)!.state).toBe("moving");
});

test("a rollout stopped by a failing copy says why with the copy's last line on stderr", () => {
  const z = runningV1();
  z.core.fileSet("web.toml", conf("v2"));
  const [first] = z.updated();
  z.answer();
  const conn = NODES.indexOf(first as never) + 1;
  const line = "OSError: [Errno 98] Address already in use";
  z.core.message(conn, {
    type: "VASSAL_STATE",
    name: "web.toml",
    state: "backoff",
    pid: 0,
    restarts: 1,
    exitCode: 1,
    streak: 1,
    stderr: line,
  });
  z.core.tick();
  expect(z.core.vassals.get("web.toml")!.rollout).toMatchObject({
    state: "reverted",
    reason: `${first}: backoff after exit 1 (1 quick death in a row): ${line}`,
  });
});
