// Several zeus on one etcd prefix: one leader; kill -9 or a pause of the leader hands over
// to a standby within the TTL plus a second, without restarting a vassal or running one twice.
import { afterAll, afterEach, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import type { HaStatus } from "../../lib/zeus/ha.ts";
import type { ZeusStatus } from "../../lib/zeus/zeus_status.ts";
import { removeTmpDirs, tmpDir, waitFor } from "../helpers/procs.ts";
import { etcdMissing, type EtcdProc, startEtcd } from "./_etcd.ts";
import { copies, type EmperorProc, sleeper, startEmperor, startZeus, stopAll, writeVassals, type ZeusProc } from "./_zeus.ts";

const missing = etcdMissing();
if (missing) console.log(`zeus_ha_test: ${missing}`);
const haTest = missing ? test.skip : test;

afterEach(stopAll);
afterAll(removeTmpDirs);

/** The TTL: --dead-after 2 (the e2e helper's). */
const TTL_MS = 2000;

type HaZeus = ZeusProc & { ha(): Promise<(ZeusStatus & { ha: HaStatus }) | undefined> };

async function cluster(etcd: EtcdProc, vassals: number) {
  const dir = tmpDir("ha-vassals-");
  const files: Record<string, string> = {};
  for (let i = 0; i < vassals; i++) files[`v${String(i).padStart(2, "0")}.toml`] = sleeper();
  writeVassals(dir, files);
  const url = `etcd://${etcd.endpoint}/zeus-test`;
  const zeus: HaZeus[] = [];
  for (let i = 0; i < 3; i++) {
    const z = await startZeus({ dir, extra: ["--state", url] });
    zeus.push({ ...z, ha: () => z.status() as Promise<(ZeusStatus & { ha: HaStatus }) | undefined> });
  }
  const [first, ...others] = zeus.map((z) => `zeus:127.0.0.1:${z.port}`);
  const more = others.flatMap((s) => ["--emperor", s]);
  const emperors = [await startEmperor("e1", first!, more), await startEmperor("e2", first!, more), await startEmperor("e3", first!, more)];
  const leader = await waitFor(
    async () => {
      for (const z of zeus) {
        const s = await z.ha();
        if (s?.ha.role === "leader" && s.vassals.length === vassals && s.vassals.every((v) => v.state === "running")) return z;
      }
      return undefined;
    },
    30_000,
    `a leader running ${vassals} vassals`,
  );
  return { dir, zeus, emperors, leader };
}

/** Samples every emperor until stopped; records any vassal seen with more than one copy. */
function watchDuplicates(emperors: EmperorProc[]) {
  const dups: string[] = [];
  let on = true;
  const loop = (async () => {
    while (on) {
      for (const [name, where] of await copies(emperors)) if (where.length > 1) dups.push(`${name} on ${where.map((w) => w[0])}`);
      await Bun.sleep(30);
    }
  })();
  return {
    dups,
    stop: async () => {
      on = false;
      await loop;
    },
  };
}

/** name → pid of every running copy. */
async function pids(emperors: EmperorProc[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const [name, where] of await copies(emperors)) out.set(name, where[0]![1]);
  return out;
}

haTest(
  "3 zeus, 3 emperors, 20 vassals: one leader; kill -9 of it: a new leader within TTL + 1 s, no vassal restarted",
  async () => {
    const etcd = await startEtcd();
    const { dir, zeus, emperors, leader } = await cluster(etcd, 20);
    const roles = await Promise.all(zeus.map(async (z) => (await z.ha())?.ha.role));
    expect(roles.filter((r) => r === "leader").length).toBe(1);
    const standby = (await zeus.find((z) => z !== leader)!.ha())!;
    expect(standby.ha.leader?.zeus).toBe(`127.0.0.1:${leader.port}`);
    expect(standby.ha.standbys.length).toBe(2);
    const before = await pids(emperors);
    expect(before.size).toBe(20);
    const watch = watchDuplicates(emperors);

    const killedAt = Date.now();
    process.kill(leader.proc.pid, "SIGKILL");
    const rest = zeus.filter((z) => z !== leader);
    const next = await waitFor(
      async () => {
        for (const z of rest) if ((await z.ha())?.ha.role === "leader") return z;
        return undefined;
      },
      10_000,
      "a new leader",
    );
    const tookMs = Date.now() - killedAt;
    expect(tookMs).toBeLessThan(TTL_MS + 1000);

    // Emperors find it, report, and keep every vassal: same pids.
    await waitFor(
      async () => {
        const s = await next.ha();
        return s && !s.settling && s.emperors.filter((e) => e.alive && e.ready).length === 3 ? s : undefined;
      },
      15_000,
      "3 emperors at the new leader",
    );
    expect(await pids(emperors)).toEqual(before);

    // The new leader acts: a new file is placed, a removed one destroyed.
    writeVassals(dir, { "new.toml": sleeper() });
    rmSync(join(dir, "v00.toml"));
    await waitFor(
      async () => {
        const now = await copies(emperors);
        return now.get("new.toml")?.length === 1 && !now.has("v00.toml");
      },
      15_000,
      "new.toml placed and v00.toml destroyed by the new leader",
    );
    await watch.stop();
    expect(watch.dups).toEqual([]);
    const after = await pids(emperors);
    for (const [name, pid] of before) if (name !== "v00.toml") expect(after.get(name)).toBe(pid);
    console.log(`zeus_ha_test: kill -9 of the leader to a new leader: ${tookMs} ms (TTL ${TTL_MS} ms)`);
  },
  90_000,
);
