// Several zeus on a 3-member etcd cluster, each zeus given the three endpoints: kill -9 of
// the member the leading zeus talks to; zeus moves to another member, the election and the
// state's writes go on (a vassal put through etcd is placed and its state key written), no
// vassal restarts; then kill -9 of the leading zeus: a standby takes over on the two
// members left.
import { afterAll, afterEach, expect } from "bun:test";
import { join } from "node:path";
import type { HaStatus } from "../../lib/zeus/ha.ts";
import type { ZeusStatus } from "../../lib/zeus/zeus_status.ts";
import { bin, removeTmpDirs, run, tmpDir, waitFor } from "../helpers/procs.ts";
import { etcdKeys, etcdTest, startEtcdCluster } from "./_etcd.ts";
import {
  copies,
  type EmperorProc,
  sleeper,
  startEmperor,
  startZeus,
  stopAll,
  watchDuplicates,
  writeVassals,
  type ZeusProc,
} from "./_zeus.ts";

const haTest = etcdTest("zeus_ha_cluster_test");

afterEach(stopAll);
afterAll(removeTmpDirs);

const ha = async (z: ZeusProc) => (await z.status()) as (ZeusStatus & { ha: HaStatus }) | undefined;

async function pids(emperors: EmperorProc[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const [name, where] of await copies(emperors)) out.set(name, where[0]![1]);
  return out;
}

haTest(
  "3 etcd members, one killed: zeus fails over to another member, election and writes go on; then the leading zeus killed: a standby takes over",
  async () => {
    const etcd = await startEtcdCluster(3);
    const hosts = etcd.endpoints.join(",");
    const flags = ["--state", `etcd://${hosts}/cluster/zeus`, "--vassals", `etcd://${hosts}/cluster/vassals/`];
    const zeus = [await startZeus({ extra: flags }), await startZeus({ extra: flags })];
    const spec = zeus.map((z) => `zeus:127.0.0.1:${z.port}`);
    const emperors = [
      await startEmperor("e1", spec[0]!, ["--emperor", spec[1]!]),
      await startEmperor("e2", spec[1]!, ["--emperor", spec[0]!]),
    ];
    const file = join(tmpDir("ha-cluster-"), "cfg.toml");
    writeVassals(join(file, ".."), { "cfg.toml": sleeper() });
    const put = async (name: string) => {
      for (const z of zeus) {
        const r = await run(bin("zeus"), ["vassal", "put", name, file, "--zeus", `127.0.0.1:${z.port}`]);
        if (r.code === 0) return true;
      }
      return false;
    };
    const leaderOf = async (among: ZeusProc[]) => {
      for (const z of among) {
        const s = await ha(z);
        if (s?.ha.role === "leader") return [z, s] as const;
      }
      return undefined;
    };
    for (const name of ["a.toml", "b.toml", "c.toml"]) await waitFor(() => put(name), 20_000, `zeus vassal put ${name}`);
    await waitFor(async () => (await copies(emperors)).size === 3, 30_000, "3 vassals running");
    const before = await pids(emperors);
    const dups = watchDuplicates(() => emperors);

    // The member the leading zeus talks to goes away.
    const [, s0] = await waitFor(() => leaderOf(zeus), 15_000, "a leader");
    const lost = etcd.endpoints.indexOf(s0.ha.etcd);
    expect(lost).toBeGreaterThanOrEqual(0);
    await etcd.kill(lost);
    const alive = etcd.endpoints.filter((_, i) => i !== lost);

    // Election and writes go on through the two members left.
    await waitFor(() => put("after.toml"), 30_000, "zeus vassal put after a member was lost");
    await waitFor(async () => (await copies(emperors)).get("after.toml")?.length === 1, 30_000, "after.toml placed");
    const [leader, s1] = await waitFor(
      async () => {
        const l = await leaderOf(zeus);
        return l && l[1].ha.etcd !== s0.ha.etcd && !l[1].ha.last_error ? l : undefined;
      },
      30_000,
      "a leader talking to a live member",
    );
    expect(alive).toContain(s1.ha.etcd);
    await waitFor(
      async () =>
        JSON.parse(
          (await etcdKeys(alive[0]!, "/cluster/zeus/state/vassal/after.toml")).get("/cluster/zeus/state/vassal/after.toml")?.value ?? "{}",
        ).assignments?.[0]?.pid > 0,
      30_000,
      "after.toml's state key written with its copy",
    );

    // The leading zeus dies: the other takes over on two members.
    const killedAt = Date.now();
    process.kill(leader.proc.pid, "SIGKILL");
    const other = zeus.find((z) => z !== leader)!;
    const since = await waitFor(
      async () => {
        const s = await ha(other);
        return s?.ha.role === "leader" ? s.ha.leader?.since : undefined;
      },
      30_000,
      "the standby leading",
    );
    await waitFor(
      async () => {
        const s = await ha(other);
        return s && !s.settling && s.emperors.filter((e) => e.alive && e.ready).length === 2;
      },
      30_000,
      "2 emperors at the new leader",
    );
    await waitFor(() => put("last.toml"), 30_000, "zeus vassal put to the new leader");
    await waitFor(async () => (await copies(emperors)).get("last.toml")?.length === 1, 30_000, "last.toml placed by the new leader");
    await dups.stop();
    expect(dups.dups).toEqual([]);
    const after = await pids(emperors);
    for (const [name, pid] of before) expect(after.get(name)).toBe(pid);
    console.log(
      `zeus_ha_cluster_test: etcd member ${lost} lost; kill -9 of the leading zeus to a new leader ${Date.parse(since) - killedAt} ms`,
    );
  },
  120_000,
);

haTest(
  "3 etcd members, the one zeus talks to paused (SIGSTOP: it neither answers nor fails): requests and watches move to another member",
  async () => {
    const etcd = await startEtcdCluster(3);
    const hosts = etcd.endpoints.join(",");
    // A TTL of 5 s: a request to the paused member times out (2 s) before the next member is tried.
    const flags = ["--state", `etcd://${hosts}/paused/zeus`, "--vassals", `etcd://${hosts}/paused/vassals/`, "--dead-after", "5"];
    const zeus = [await startZeus({ extra: flags }), await startZeus({ extra: flags })];
    const spec = zeus.map((z) => `zeus:127.0.0.1:${z.port}`);
    const emperors = [await startEmperor("e1", spec[0]!, ["--emperor", spec[1]!])];
    const file = join(tmpDir("ha-paused-"), "cfg.toml");
    writeVassals(join(file, ".."), { "cfg.toml": sleeper() });
    const put = async (name: string) => {
      for (const z of zeus)
        if ((await run(bin("zeus"), ["vassal", "put", name, file, "--zeus", `127.0.0.1:${z.port}`])).code === 0) return true;
      return false;
    };
    await waitFor(() => put("a.toml"), 20_000, "zeus vassal put a.toml");
    await waitFor(async () => (await copies(emperors)).get("a.toml")?.length === 1, 30_000, "a.toml running");
    const before = await pids(emperors);
    const s0 = (await Promise.all(zeus.map(ha))).find((s) => s?.ha.role === "leader")!;
    const paused = etcd.endpoints.indexOf(s0.ha.etcd);
    expect(paused).toBeGreaterThanOrEqual(0);
    process.kill(etcd.procs[paused]!.pid, "SIGSTOP");
    try {
      // Written through the leader to a live member, seen by the leader's watch once it left
      // the paused member, and placed.
      await waitFor(() => put("b.toml"), 30_000, "zeus vassal put b.toml with a member paused");
      await waitFor(async () => (await copies(emperors)).get("b.toml")?.length === 1, 30_000, "b.toml placed with a member paused");
      await waitFor(
        async () => {
          const s = await Promise.all(zeus.map(ha));
          return s.every((x) => x && x.ha.etcd !== s0.ha.etcd) && s.some((x) => x?.ha.role === "leader" && x.ha.state?.vassals === 2);
        },
        30_000,
        "every zeus on a live member, the state holding both vassals",
      );
    } finally {
      process.kill(etcd.procs[paused]!.pid, "SIGCONT");
    }
    const after = await pids(emperors);
    expect(after.get("a.toml")).toBe(before.get("a.toml"));
  },
  120_000,
);
