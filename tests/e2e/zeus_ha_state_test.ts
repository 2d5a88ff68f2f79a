// Several zeus keep their state in etcd as one key per emperor and per vassal: a change
// rewrites the keys it touches and no other; a single-key state of an earlier version is
// migrated by the first leader; a state of another layout version is refused at start.
import { afterAll, afterEach, expect } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import type { HaStatus } from "../../lib/zeus/ha.ts";
import { bin, removeTmpDirs, run, tmpDir, waitFor } from "../helpers/procs.ts";
import { etcdKeys, etcdTest, etcdPut, startEtcd } from "./_etcd.ts";
import { copies, sleeper, startEmperor, startZeus, stopAll, writeVassals, type ZeusProc } from "./_zeus.ts";

const haTest = etcdTest("zeus_ha_state_test");

afterEach(stopAll);
afterAll(removeTmpDirs);

const role = async (z: ZeusProc) => ((await z.status()) as { ha?: HaStatus } | undefined)?.ha?.role;

haTest(
  "one key per emperor and vassal: a new vassal writes its key, a removed one deletes its key, the others stay untouched",
  async () => {
    const etcd = await startEtcd();
    const dir = tmpDir("ha-keys-");
    writeVassals(dir, { "v0.toml": sleeper(), "v1.toml": sleeper(), "v2.toml": sleeper() });
    const state = ["--state", `etcd://${etcd.endpoint}/keys`];
    const zeus = [await startZeus({ dir, extra: state }), await startZeus({ dir, extra: state })];
    const more = ["--emperor", `zeus:127.0.0.1:${zeus[1]!.port}`];
    const emperors = [
      await startEmperor("e1", `zeus:127.0.0.1:${zeus[0]!.port}`, more),
      await startEmperor("e2", `zeus:127.0.0.1:${zeus[0]!.port}`, more),
    ];
    const base = "/keys/state/";
    // One copy, spawned (its pid known) and run well (its config noted as the last good one:
    // that is the key's last write until the vassal changes).
    const placed = (keys: Map<string, { value: string }>, name: string) => {
      const v: { sha256?: string; assignments?: { pid: number }[]; lastGood?: { sha256: string } } = JSON.parse(
        keys.get(base + `vassal/${name}`)?.value ?? "{}",
      );
      const a = v.assignments ?? [];
      return a.length === 1 && a[0]!.pid > 0 && v.lastGood?.sha256 === v.sha256;
    };
    const before = await waitFor(
      async () => {
        const keys = await etcdKeys(etcd.endpoint, base);
        return ["v0.toml", "v1.toml", "v2.toml"].every((n) => placed(keys, n)) && keys.size === 6 ? keys : undefined;
      },
      30_000,
      "meta, 2 emperor keys and 3 vassal keys with their copy",
    );
    expect([...before.keys()].sort()).toEqual(
      ["meta", "emperor/e1", "emperor/e2", "vassal/v0.toml", "vassal/v1.toml", "vassal/v2.toml"].map((k) => base + k).sort(),
    );
    expect(JSON.parse(before.get(`${base}meta`)!.value)).toEqual({ version: 2 });
    // Nothing else under the prefix but the election's keys and these.
    const all = await etcdKeys(etcd.endpoint, "/keys/");
    expect([...all.keys()].filter((k) => !k.startsWith(base) && !/^\/keys\/(leader|members\/|digests\/)/.test(k))).toEqual([]);

    writeVassals(dir, { "new.toml": sleeper() });
    rmSync(join(dir, "v1.toml"));
    const after = await waitFor(
      async () => {
        const keys = await etcdKeys(etcd.endpoint, base);
        return placed(keys, "new.toml") && !keys.has(`${base}vassal/v1.toml`) ? keys : undefined;
      },
      20_000,
      "new.toml's key with its copy, v1.toml's key gone",
    );
    for (const name of ["v0.toml", "v2.toml"]) {
      expect(after.get(`${base}vassal/${name}`)!.modRevision).toBe(before.get(`${base}vassal/${name}`)!.modRevision);
    }
    await waitFor(async () => !(await copies(emperors)).has("v1.toml"), 20_000, "v1.toml destroyed");
    // Both zeus follow the keys: the standby sees what the leader wrote.
    const seen = await waitFor(
      async () => {
        const [a, b] = await Promise.all(zeus.map((z) => z.status() as Promise<{ ha?: HaStatus } | undefined>));
        const [sa, sb] = [a?.ha?.state, b?.ha?.state];
        const same = sa && sb && sa.vassals === sb.vassals && sa.copies === sb.copies && sa.emperors === sb.emperors;
        return same && sa.vassals === 3 && sa.copies === 3 ? sa : undefined;
      },
      20_000,
      "leader and standby showing the same state: 3 vassals, 3 copies",
    );
    expect(seen.emperors).toBe(2);
    // Every copy the keys name is one the emperors run.
    const running = await copies(emperors);
    const keys = await etcdKeys(etcd.endpoint, `${base}vassal/`);
    for (const [key, { value }] of keys) {
      const v = JSON.parse(value) as { name: string; assignments: { node: string; pid: number }[] };
      expect(key).toBe(`${base}vassal/${v.name}`);
      expect(v.assignments.map((a) => a.node).sort()).toEqual((running.get(v.name) ?? []).map(([node]) => node).sort());
    }
  },
  90_000,
);

haTest(
  "a single-key state of an earlier version is migrated by the leader to one key per vassal, then deleted",
  async () => {
    const etcd = await startEtcd();
    const dir = tmpDir("ha-migrate-");
    writeVassals(dir, { "a.toml": sleeper(), "b.toml": sleeper() });
    const legacy = {
      version: 1,
      savedAt: "2026-01-01T00:00:00.000Z",
      emperors: [{ node: "gone", maxVassals: 4, lastSeen: 1 }],
      vassals: [
        { name: "a.toml", sha256: "0".repeat(64), copies: 1, assignments: [{ node: "gone", pid: 4242, restarts: 0 }] },
        { name: "b.toml", sha256: "1".repeat(64), copies: 1, assignments: [] },
      ],
      destroying: [],
    };
    await etcdPut(etcd.endpoint, "/old/state", JSON.stringify(legacy));
    const z = await startZeus({ dir, extra: ["--state", `etcd://${etcd.endpoint}/old`] });
    await waitFor(async () => (await role(z)) === "leader", 15_000, "leading");
    const keys = await waitFor(
      async () => {
        const k = await etcdKeys(etcd.endpoint, "/old/state");
        return k.has("/old/state/meta") && !k.has("/old/state") ? k : undefined;
      },
      15_000,
      "the per-key state written and the single key deleted",
    );
    expect(keys.has("/old/state/vassal/a.toml")).toBe(true);
    expect(keys.has("/old/state/emperor/gone")).toBe(true);
    // The lines come through a pipe: they may arrive after etcd shows the keys.
    for (const line of [
      "migrated the single-key state /old/state to one key per emperor and vassal under /old/state/ (2 vassals)",
      "restored 2 vassals on 1 emperors from etcd keys /old/state/",
    ])
      await waitFor(() => z.proc.stderr().includes(line), 10_000, `zeus's line: ${line}`);
  },
  60_000,
);

haTest("a state of another layout version in the prefix: one line naming the key, exit 1", async () => {
  const etcd = await startEtcd();
  await etcdPut(etcd.endpoint, "/future/state/meta", JSON.stringify({ version: 3 }));
  const r = await run(bin("zeus"), [
    "--listen",
    "127.0.0.1:0",
    "--vassals",
    tmpDir("ha-future-"),
    "--state",
    `etcd://${etcd.endpoint}/future`,
  ]);
  expect(r.code).toBe(1);
  expect(r.stderr.trim().split("\n")).toEqual([
    `zeus: --state etcd://${etcd.endpoint}/future: etcd key /future/state/meta has version 3, not 2: give zeus a prefix of its own`,
  ]);
});
