import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { Coordinator } from "../../lib/zeus/coordinator.ts";
import type { ZeusState } from "../../lib/zeus/state_file.ts";
import type { ZeusMessage } from "../../lib/zeus_protocol/mod.ts";
import { batches, keyChanges, stateFromKeys, stateKeys } from "../../lib/zeus/state_keys.ts";

const state: ZeusState = {
  version: 1,
  savedAt: "2026-01-01T00:00:00.000Z",
  emperors: [
    { node: "e1", maxVassals: 10, lastSeen: 5 },
    { node: "zone a/e2", maxVassals: 3, lastSeen: 7, draining: true },
  ],
  vassals: [
    { name: "a.toml", sha256: "0".repeat(64), copies: 1, assignments: [{ node: "e1", pid: 42, restarts: 0 }] },
    { name: "b.ini", sha256: "1".repeat(64), copies: 2, assignments: [] },
  ],
  destroying: [
    { node: "e1", name: "gone.ini" },
    { node: "e1", name: "old.toml" },
    { node: "zone a/e2", name: "x.toml" },
  ],
};

/** Arrays sorted by identity: the keys hold a set, in key order. */
function normal(s: ZeusState): unknown {
  const by = <T>(xs: T[], k: (x: T) => string) => [...xs].sort((a, b) => (k(a) < k(b) ? -1 : k(a) > k(b) ? 1 : 0));
  return {
    ...s,
    savedAt: "",
    emperors: by(s.emperors, (e) => e.node).map((e) => ({ ...e, lastSeen: 0 })),
    vassals: by(s.vassals, (v) => v.name),
    destroying: by(s.destroying, (d) => `${d.node}\0${d.name}`),
  };
}
const back = (s: ZeusState) => stateFromKeys(stateKeys(s));

describe("stateKeys", () => {
  test("one key per emperor, vassal and emperor's destroys, plus meta; names URI-encoded", () => {
    expect([...stateKeys(state).keys()]).toEqual([
      "meta",
      "emperor/e1",
      "emperor/zone%20a%2Fe2",
      "vassal/a.toml",
      "vassal/b.ini",
      "destroying/e1",
      "destroying/zone%20a%2Fe2",
    ]);
    expect(stateKeys(state).get("destroying/e1")).toBe('["gone.ini","old.toml"]');
    expect(normal(back(state))).toEqual(normal(state));
  });

  test("fields added to the state later (rollouts, last good configs...) come back, wherever they are", () => {
    const json = fc.jsonValue({ maxDepth: 3 });
    const ident = fc.string({ minLength: 1, maxLength: 12 });
    const arb = fc.record({
      extraTop: fc.dictionary(
        fc.string({ minLength: 1, maxLength: 8 }).filter((k) => !["version", "savedAt", "emperors", "vassals", "destroying"].includes(k)),
        json,
        { maxKeys: 3 },
      ),
      emperors: fc.uniqueArray(fc.record({ node: ident, maxVassals: fc.nat(), lastSeen: fc.nat(), extra: json }), {
        selector: (e) => e.node,
        maxLength: 5,
      }),
      vassals: fc.uniqueArray(
        fc.record({
          name: ident,
          sha256: fc.string(),
          copies: fc.nat(),
          assignments: fc.array(fc.record({ node: ident, pid: fc.nat(), restarts: fc.nat() }), { maxLength: 3 }),
          futureField: json,
          lastGood: fc.option(fc.record({ sha256: fc.string(), body: fc.base64String() }), { nil: undefined }),
        }),
        { selector: (v) => v.name, maxLength: 8 },
      ),
      destroying: fc.uniqueArray(fc.record({ node: ident, name: ident }), { selector: (d) => `${d.node}\0${d.name}`, maxLength: 6 }),
    });
    fc.assert(
      fc.property(arb, ({ extraTop, ...rest }) => {
        const s = { ...JSON.parse(JSON.stringify(extraTop)), version: 1, savedAt: "t", ...JSON.parse(JSON.stringify(rest)) } as ZeusState;
        expect(normal(back(s))).toEqual(normal(s));
      }),
    );
  });

  test("a coordinator's own snapshot mid-rollout (rollout, last good config, copies) comes back whole", () => {
    const sent: { conn: number; m: ZeusMessage }[] = [];
    const core = new Coordinator(
      { now: () => 1000, send: (conn, m) => void sent.push({ conn, m }), close: () => {}, changed: () => {} },
      { deadAfterMs: 5000, settleMs: 0, maxRejections: 3 },
    );
    const conf = (tag: string) =>
      new TextEncoder().encode(
        `[vassal]\ncommand = "/bin/sleep"\nenv = { TAG = "${tag}" }\nnodes = 3\n[vassal.update]\nmax_parallel = 1\nmin_healthy = 1\nauto_revert = true\n`,
      );
    for (const [i, node] of ["e1", "e2", "e3"].entries()) {
      core.connOpened(i + 1, `127.0.0.1:${i + 1}`);
      core.message(i + 1, { type: "I_AM_ALIVE", node, maxVassals: 10, runningVassals: 0 });
      core.message(i + 1, { type: "REPORT_END", count: 0 });
    }
    core.fileSet("web.toml", conf("v1"));
    for (let batch = sent.splice(0); batch.length > 0; batch = sent.splice(0)) {
      for (const { conn, m } of batch) {
        if (m.type === "NEW_VASSAL") core.message(conn, { type: "ACCEPTED_VASSAL", name: m.name });
        if (m.type === "CONFIG_END") {
          core.message(conn, { type: "VASSAL_SPAWNED", name: m.name, pid: 200 + conn, restarts: 0 });
          core.message(conn, { type: "VASSAL_STATE", name: m.name, state: "running", pid: 200 + conn, restarts: 0 });
        }
      }
    }
    core.tick();
    core.fileSet("web.toml", conf("v2"));
    const snap = core.snapshot();
    expect(snap.vassals[0]!.rollout?.state).toBe("rolling");
    expect(snap.vassals[0]!.lastGood).toBeDefined();
    expect(snap.vassals[0]!.assignments).toHaveLength(3);
    expect(normal(back(snap))).toEqual(normal(snap));
  });

  test("values that are not what zeus writes are refused, naming the key", () => {
    const keys = (k: string, v: string) =>
      stateFromKeys(
        [
          ["meta", '{"version":2}'],
          [k, v],
        ],
        "/z/state/",
      );
    expect(() => keys("vassal/a.toml", "{")).toThrow("etcd key /z/state/vassal/a.toml: not JSON");
    expect(() => keys("vassal/a.toml", '{"name":"b.toml","sha256":"","assignments":[]}')).toThrow(
      "etcd key /z/state/vassal/a.toml does not hold this vassal",
    );
    expect(() => keys("vassal/a.toml", '{"name":"a.toml","sha256":"","assignments":[],"lastGood":{"sha256":"x","body":3}}')).toThrow(
      "etcd key /z/state/vassal/a.toml is bad: lastGood is not { sha256, body (base64) }",
    );
    expect(() => keys("emperor/e1", "{}")).toThrow("/z/state/emperor/e1 does not hold this emperor");
    expect(() => keys("destroying/e1", "[1]")).toThrow("does not hold a list of vassal names");
    expect(() => keys("junk", "1")).toThrow("/z/state/junk is not a key zeus writes under state/");
    expect(() => stateFromKeys([["meta", '{"version":7}']], "/z/state/")).toThrow("/z/state/meta has version 7, not 2");
    expect(() => stateFromKeys([["vassal/a", '{"name":"a","sha256":"","assignments":[]}']], "/z/state/")).toThrow(
      "/z/state/meta is missing",
    );
  });
});

describe("keyChanges and batches", () => {
  test("heartbeats alone rewrite no key: an emperor's lastSeen is not kept in etcd", () => {
    const later = structuredClone(state);
    for (const e of later.emperors) e.lastSeen += 1000;
    expect(keyChanges(stateKeys(state), stateKeys(later))).toEqual({ puts: [], deletes: [] });
    expect(back(state).emperors.map((e) => e.lastSeen)).toEqual([0, 0]);
  });

  test("a change to one vassal rewrites that vassal's key only; a removed one is deleted", () => {
    const before = stateKeys(state);
    const moved = structuredClone(state);
    moved.vassals[0]!.assignments[0]!.pid = 43;
    expect(keyChanges(before, stateKeys(moved))).toEqual({
      puts: [["vassal/a.toml", stateKeys(moved).get("vassal/a.toml")!]],
      deletes: [],
    });
    const removed = { ...state, vassals: state.vassals.slice(1), destroying: [] };
    expect(keyChanges(before, stateKeys(removed))).toEqual({
      puts: [],
      deletes: ["vassal/a.toml", "destroying/e1", "destroying/zone%20a%2Fe2"],
    });
    expect(keyChanges(before, before)).toEqual({ puts: [], deletes: [] });
  });

  test("batches keep every change once, in order, deletes last, each within the limits", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string({ maxLength: 20 }), fc.string({ maxLength: 300 })), { maxLength: 400 }),
        fc.array(fc.string({ maxLength: 20 }), { maxLength: 200 }),
        fc.integer({ min: 1, max: 50 }),
        (puts, deletes, ops) => {
          const limits = { ops, bytes: 2000 };
          const out = batches({ puts, deletes }, limits);
          expect(out.flatMap((b) => b.puts)).toEqual(puts);
          expect(out.flatMap((b) => b.deletes)).toEqual(deletes);
          for (const [i, b] of out.entries()) {
            const n = b.puts.length + b.deletes.length;
            expect(n).toBeGreaterThan(0);
            expect(n).toBeLessThanOrEqual(ops);
            const bytes = b.puts.reduce((s, [k, v]) => s + k.length + v.length + 64, 0) + b.deletes.reduce((s, k) => s + k.length + 64, 0);
            if (n > 1) expect(bytes).toBeLessThanOrEqual(limits.bytes);
            if (b.deletes.length && i < out.length - 1) expect(out[i + 1]!.puts).toEqual([]);
          }
        },
      ),
    );
  });
});
