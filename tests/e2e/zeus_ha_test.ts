// Several zeus on one etcd prefix: one leader; kill -9 or a pause of the leader hands over
// to a standby within the TTL plus a second, without restarting a vassal or running one twice.
import { afterAll, afterEach, expect, test } from "bun:test";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { HaStatus } from "../../lib/zeus/ha.ts";
import type { ZeusStatus } from "../../lib/zeus/zeus_status.ts";
import { bin, freePort, removeTmpDirs, run, tmpDir, waitFor } from "../helpers/procs.ts";
import { etcdTest, type EtcdProc, startEtcd } from "./_etcd.ts";
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

const haTest = etcdTest("zeus_ha_test");

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
    // Two standbys, both renewing their leases (a zeus stalled over a second on a loaded
    // machine is shown as possibly gone until it renews again: asked until both are seen).
    const standby = await waitFor(
      async () => {
        const s = await zeus.find((z) => z !== leader)!.ha();
        return s?.ha.standbys.length === 2 ? s : undefined;
      },
      15_000,
      "a standby listing 2 standbys",
    );
    expect(standby.ha.leader?.zeus).toBe(`127.0.0.1:${leader.port}`);
    // /healthz: the leader 200, a standby 503 saying so; zeus status names the leader.
    const health = async (z: ZeusProc) => {
      const res = await fetch(`http://127.0.0.1:${z.statsPort}/healthz`);
      return [res.status, await res.text()];
    };
    expect(await health(leader)).toEqual([200, "leader\n"]);
    const [code, body] = await health(zeus.find((z) => z !== leader)!);
    expect(code).toBe(503);
    expect(body).toContain(`standby: the leader is 127.0.0.1:${leader.port}`);
    // zeus status, exec and logs asked of a standby follow the leader.
    const other = zeus.find((z) => z !== leader)!;
    const shown = await run(bin("zeus"), ["status", "--stats", `127.0.0.1:${other.statsPort}`]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toStartWith(
      `this zeus (${standby.ha.id}) is a standby: the leader ${standby.ha.leader!.id}'s status, from its stats at 127.0.0.1:${leader.statsPort}\n`,
    );
    expect(shown.stdout).toContain(`leader: ${standby.ha.leader!.id} at 127.0.0.1:${leader.port}, leading since`);
    expect(shown.stdout).toMatch(/^v01\.toml\s+running\s+1\/1\s/m);
    expect(shown.stdout).toMatch(/^e1\s+yes\s/m);
    const exec = await run(bin("zeus"), ["exec", "--zeus", `127.0.0.1:${other.port}`, "v01.toml", "--", "echo", "from the leader"]);
    expect({ code: exec.code, stdout: exec.stdout, stderr: exec.stderr }).toEqual({ code: 0, stdout: "from the leader\n", stderr: "" });
    const logs = await run(bin("zeus"), ["logs", "--zeus", `127.0.0.1:${other.port}`, "-n", "5", "v01.toml"]);
    expect({ code: logs.code, stderr: logs.stderr }).toEqual({ code: 0, stderr: "" });
    const before = await pids(emperors);
    expect(before.size).toBe(20);
    // Fencing: the leader's commands carried its term, which each emperor it sent one keeps
    // in its state dir (an emperor that came after the settle time, on a loaded machine, may
    // hold nothing and have heard no command).
    const holders = new Set([...(await copies(emperors)).values()].flatMap((where) => where.map(([node]) => node)));
    expect(holders.size).toBeGreaterThan(0);
    for (const e of emperors.filter((e) => holders.has(e.node)))
      expect(readFileSync(join(e.stateDir, "zeus_term"), "utf8")).toMatch(/^[1-9]\d*\n$/);
    const watch = watchDuplicates(() => emperors);

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
    // When it took the leader key (its `since`, stamped before the winning transaction was
    // sent), not when this poll noticed it.
    const tookMs = Date.parse((await next.ha())!.ha.leader!.since) - killedAt;
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

haTest(
  "SIGSTOP of the leader past the TTL: a standby takes over and acts; SIGCONT: the old leader does nothing and stands by",
  async () => {
    const etcd = await startEtcd();
    const { dir, zeus, emperors, leader } = await cluster(etcd, 6);
    const before = await pids(emperors);
    const watch = watchDuplicates(() => emperors);
    const rest = zeus.filter((z) => z !== leader);
    process.kill(leader.proc.pid, "SIGSTOP");
    try {
      const next = await waitFor(
        async () => {
          for (const z of rest) if ((await z.ha())?.ha.role === "leader") return z;
          return undefined;
        },
        10_000,
        "a standby leading",
      );
      await waitFor(
        async () => {
          const s = await next.ha();
          return s && !s.settling && s.emperors.filter((e) => e.alive && e.ready).length === 3;
        },
        20_000,
        "3 emperors at the new leader",
      );
      writeVassals(dir, { "while-paused.toml": sleeper() });
      rmSync(join(dir, "v01.toml"));
      await waitFor(
        async () => {
          const now = await copies(emperors);
          return now.get("while-paused.toml")?.length === 1 && !now.has("v01.toml");
        },
        15_000,
        "the new leader placing and destroying",
      );
    } finally {
      process.kill(leader.proc.pid, "SIGCONT");
    }
    await waitFor(async () => (await leader.ha())?.ha.role === "standby", 10_000, "the old leader standing by");
    // It placed and destroyed nothing after it woke up.
    const woke = leader.proc.stderr().slice(leader.proc.stderr().lastIndexOf("no longer leading"));
    expect(woke).toContain("no longer leading");
    expect(woke).not.toMatch(/new vassal|destroying|spawned on|adopting/);
    // The watch over the vassals keeps sampling a little longer: a duplicate would show up in it.
    await Bun.sleep(500);
    await watch.stop();
    expect(watch.dups).toEqual([]);
    const after = await pids(emperors);
    for (const [name, pid] of before) if (name !== "v01.toml") expect(after.get(name)).toBe(pid);
    expect(after.get("while-paused.toml")).toBeGreaterThan(0);
    expect(after.has("v01.toml")).toBe(false);
  },
  90_000,
);

haTest(
  "etcd killed (kill -9) and restarted on its data dir: vassals keep running; the coordinator resumes",
  async () => {
    const etcd = await startEtcd();
    const { dir, zeus, emperors } = await cluster(etcd, 5);
    const before = await pids(emperors);
    await etcd.restart({ downMs: 3000 });
    const leader = await waitFor(
      async () => {
        for (const z of zeus) {
          const s = await z.ha();
          if (s?.ha.role === "leader" && !s.settling && s.emperors.filter((e) => e.alive && e.ready).length === 3) return z;
        }
        return undefined;
      },
      30_000,
      "a leader with 3 emperors after etcd came back",
    );
    expect(await pids(emperors)).toEqual(before);
    writeVassals(dir, { "after-etcd.toml": sleeper() });
    await waitFor(async () => (await copies(emperors)).get("after-etcd.toml")?.length === 1, 15_000, "a placement after etcd came back");
    expect((await leader.ha())!.vassals.length).toBe(6);
  },
  90_000,
);

test("bad etcd URLs: one line, exit 2", async () => {
  const dir = tmpDir("ha-bad-");
  for (const [url, says] of [
    ["etcd://127.0.0.1:2379", "has no /PREFIX"],
    ["etcd://127.0.0.1:2379/", "has an empty prefix"],
    ["etcd:///zeus", "names no HOST:PORT"],
    ["etcd://127.0.0.1:99999/zeus", "above 65535"],
    ["etcd://127.0.0.1:2379,/zeus", 'has a bad member ""'],
  ] as const) {
    const r = await run(bin("zeus"), ["--listen", "127.0.0.1:0", "--vassals", dir, "--state", url]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n").length).toBe(1);
    expect(r.stderr).toContain(says);
  }
  const r = await run(bin("zeus"), ["--listen", "127.0.0.1:0", "--vassals", dir, "--state", "s.json", "--etcd-ca", "ca.crt"]);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain("go with --state etcd://");
});

test("an unreachable etcd at start: one line naming it, exit 1", async () => {
  const port = await freePort();
  const r = await run(bin("zeus"), ["--listen", "127.0.0.1:0", "--vassals", tmpDir("ha-bad-"), "--state", `etcd://127.0.0.1:${port}/zeus`]);
  expect(r.code).toBe(1);
  expect(r.stderr.trim().split("\n")).toEqual([
    `zeus: --state etcd://127.0.0.1:${port}/zeus: etcd unreachable (127.0.0.1:${port}: connection refused)`,
  ]);
});

haTest("a prefix holding keys zeus did not write: one line naming a key, exit 1; nothing written", async () => {
  const etcd = await startEtcd();
  const put = (key: string, value: string) =>
    fetch(`http://${etcd.endpoint}/v3/kv/put`, { method: "POST", body: JSON.stringify({ key: btoa(key), value: btoa(value) }) });
  await put("/app/config/db", "postgres://x");
  await put("/other/state", "not a zeus state");
  const dir = tmpDir("ha-bad-");
  const r = await run(bin("zeus"), ["--listen", "127.0.0.1:0", "--vassals", dir, "--state", `etcd://${etcd.endpoint}/app`]);
  expect(r.code).toBe(1);
  expect(r.stderr.trim().split("\n").length).toBe(1);
  expect(r.stderr).toContain(`holds "/app/config/db", which zeus did not write: give zeus a prefix of its own`);
  const r2 = await run(bin("zeus"), ["--listen", "127.0.0.1:0", "--vassals", dir, "--state", `etcd://${etcd.endpoint}/other`]);
  expect(r2.code).toBe(1);
  expect(r2.stderr).toContain("etcd key /other/state: not JSON");
  const res = await fetch(`http://${etcd.endpoint}/v3/kv/range`, {
    method: "POST",
    body: JSON.stringify({ key: btoa("/"), range_end: btoa("0"), keys_only: true }),
  });
  expect(Number((await res.json()).count)).toBe(2);
});

haTest(
  "--vassals etcd://: zeus vassal put/rm through the leader (a standby names it, the client follows); a bad config is refused",
  async () => {
    const etcd = await startEtcd();
    const state = ["--state", `etcd://${etcd.endpoint}/app/zeus`, "--vassals", `etcd://${etcd.endpoint}/app/vassals/`];
    const zeus = [await startZeus({ extra: state }), await startZeus({ extra: state })];
    const spec = zeus.map((z) => `zeus:127.0.0.1:${z.port}`);
    const emperors = [
      await startEmperor("e1", spec[0]!, ["--emperor", spec[1]!]),
      await startEmperor("e2", spec[1]!, ["--emperor", spec[0]!]),
    ];
    const leader = await waitFor(
      async () => {
        for (const z of zeus) if (((await z.status()) as { ha?: HaStatus } | undefined)?.ha?.role === "leader") return z;
        return undefined;
      },
      15_000,
      "a leader",
    );
    const standby = zeus.find((z) => z !== leader)!;
    const file = join(tmpDir("ha-put-"), "cfg.toml");
    writeVassals(join(file, ".."), { "cfg.toml": sleeper() });
    const admin = (z: ZeusProc, ...args: string[]) => run(bin("zeus"), ["vassal", ...args, "--zeus", `127.0.0.1:${z.port}`]);

    const put = await admin(leader, "put", "app.toml", file);
    expect(put.stderr).toBe("");
    expect(put.stdout).toBe(`app.toml written to etcd://${etcd.endpoint}/app/vassals/ (1 copy wanted)\n`);
    await waitFor(async () => (await copies(emperors)).get("app.toml")?.length === 1, 15_000, "app.toml placed from etcd");

    // A standby answers not-leader naming the leader; the admin client follows it once.
    const onStandby = await admin(standby, "put", "other.toml", file);
    expect(onStandby.stderr).toBe("");
    expect(onStandby.stdout).toBe(`other.toml written to etcd://${etcd.endpoint}/app/vassals/ (1 copy wanted)\n`);
    await waitFor(async () => (await copies(emperors)).get("other.toml")?.length === 1, 15_000, "other.toml placed");
    writeVassals(join(file, ".."), { "bad.toml": "[vassal]\nargs = 3\n" });
    const bad = await admin(leader, "put", "bad.toml", join(file, "../bad.toml"));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toStartWith("zeus vassal-put: bad.toml");

    // The standby reads the same set from etcd: same digest, no warning.
    await waitFor(
      async () => {
        const [a, b] = (await Promise.all(zeus.map((z) => z.status()))) as { ha: HaStatus }[];
        return a!.ha.vassal_digest !== "" && a!.ha.vassal_digest === b!.ha.vassal_digest;
      },
      10_000,
      "equal vassal digests",
    );
    const rm = await admin(leader, "rm", "app.toml");
    expect(rm.stdout).toBe(`app.toml removed from etcd://${etcd.endpoint}/app/vassals/\n`);
    await waitFor(async () => !(await copies(emperors)).has("app.toml"), 15_000, "app.toml destroyed");
    const again = await admin(leader, "rm", "app.toml");
    expect(again.code).toBe(253);

    // etcd restarted: the watches come back, and a vassal put then (to whichever zeus leads) is placed.
    await etcd.restart({ downMs: 500 });
    await waitFor(
      async () => (await admin(leader, "put", "late.toml", file)).code === 0 || (await admin(standby, "put", "late.toml", file)).code === 0,
      20_000,
      "a put after etcd came back",
    );
    await waitFor(async () => (await copies(emperors)).get("late.toml")?.length === 1, 20_000, "late.toml placed after etcd came back");
  },
  90_000,
);

haTest(
  "several zeus on directories that differ: the leader warns and status lists the odd one",
  async () => {
    const etcd = await startEtcd();
    const url = `etcd://${etcd.endpoint}/zeus-dirs`;
    const a = await startZeus({ extra: ["--state", url] });
    writeVassals(a.dir, { "x.toml": sleeper() });
    const b = await startZeus({ extra: ["--state", url] });
    const leader = await waitFor(
      async () => {
        for (const z of [a, b]) {
          const s = (await z.status()) as { ha?: HaStatus } | undefined;
          if (s?.ha?.digests_differ?.length) return [z, s.ha] as const;
        }
        return undefined;
      },
      15_000,
      "a zeus reporting differing vassal sets",
    );
    expect(leader[1].digests_differ).toHaveLength(1);
    expect(leader[0].proc.stderr()).toContain("reads another vassal set");
  },
  60_000,
);

haTest(
  "etcd over TLS with client certificates: --etcd-ca/--etcd-cert/--etcd-key; without a client certificate one line, exit 1",
  async () => {
    const pki = tmpDir("ha-pki-");
    for (const args of [
      ["init", pki],
      ["issue", pki, "etcd", "--host", "127.0.0.1"],
      ["issue", pki, "zeus1"],
    ]) {
      expect((await run(bin("zeus"), ["certs", ...args])).code).toBe(0);
    }
    const f = (n: string) => join(pki, n);
    const etcd = await startEtcd({
      ca: f("ca.crt"),
      cert: f("etcd.crt"),
      key: f("etcd.key"),
      clientCert: f("zeus1.crt"),
      clientKey: f("zeus1.key"),
    });
    const url = `etcd://${etcd.endpoint}/tls`;
    const z = await startZeus({
      extra: ["--state", url, "--etcd-ca", f("ca.crt"), "--etcd-cert", f("zeus1.crt"), "--etcd-key", f("zeus1.key")],
    });
    await waitFor(async () => ((await z.status()) as { ha?: HaStatus } | undefined)?.ha?.role === "leader", 10_000, "leading over TLS");
    const r = await run(bin("zeus"), ["--listen", "127.0.0.1:0", "--vassals", z.dir, "--state", url, "--etcd-ca", f("ca.crt")]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n").length).toBe(1);
    expect(r.stderr).toContain("TLS failed");
  },
  60_000,
);

haTest(
  "--vassals etcd://: a prefix of several pages (2 500 keys) is read whole at one revision, and the watch goes on from it",
  async () => {
    const etcd = await startEtcd();
    const b64 = (s: string) => Buffer.from(s).toString("base64");
    const put = async (names: string[]) => {
      const success = names.map((n) => ({ request_put: { key: b64(`/many/vassals/${n}`), value: b64(sleeper()) } }));
      const res = await fetch(`http://${etcd.endpoint}/v3/kv/txn`, { method: "POST", body: JSON.stringify({ success }) });
      expect(res.ok).toBe(true);
    };
    const names = Array.from({ length: 2500 }, (_, i) => `v${String(i).padStart(4, "0")}.toml`);
    for (let i = 0; i < names.length; i += 100) await put(names.slice(i, i + 100));
    const z = await startZeus({ extra: ["--vassals", `etcd://${etcd.endpoint}/many/vassals/`] });
    await waitFor(async () => (await z.status())?.summary?.vassals === 2500, 15_000, "2 500 vassals from etcd");
    await put(["late.toml"]);
    await waitFor(async () => (await z.status())?.summary?.vassals === 2501, 15_000, "the key put after the listing");
  },
);
