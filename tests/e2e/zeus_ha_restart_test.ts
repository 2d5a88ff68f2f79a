// A zeus with its state in etcd, killed and started again on the same address: it ends its
// dead predecessor's lease and leads at once, instead of refusing every emperor until etcd
// expires that lease (--dead-after 30 here: the test fails on a zeus that waits for it).
// A zeus at another address waits for the lease, as a standby always did. Emperors that dial
// while a zeus stands by for a leader at its own address wait for it instead of being sent away.
import { afterAll, afterEach, expect } from "bun:test";
import { EtcdClient, grantResult, leaseGrantRequest, putRequest } from "../../lib/etcd/mod.ts";
import { decodeMessage, encodeMessage, reportMessages, type ZeusMessage } from "../../lib/zeus_protocol/mod.ts";
import { encodePacket, PacketDecoder, ZEUS_MODIFIER1 } from "../../lib/packet/mod.ts";
import type { HaStatus } from "../../lib/zeus/ha.ts";
import type { ZeusStatus } from "../../lib/zeus/zeus_status.ts";
import { freePort, removeTmpDirs, waitFor } from "../helpers/procs.ts";
import { etcdTest, startEtcd } from "./_etcd.ts";
import { copies, sleeper, startEmperor, startZeus, stopAll, writeVassals, type ZeusProc } from "./_zeus.ts";

const haTest = etcdTest("zeus_ha_restart_test");

afterEach(stopAll);
afterAll(removeTmpDirs);

const ha = async (z: ZeusProc) => ((await z.status()) as (ZeusStatus & { ha: HaStatus }) | undefined)?.ha;

haTest(
  "kill -9 of the only zeus, started again at its address: it leads long before the lease (30 s) expires; no vassal restarted",
  async () => {
    const etcd = await startEtcd();
    const flags = ["--state", `etcd://${etcd.endpoint}/restart`, "--dead-after", "30"];
    const z = await startZeus({ extra: flags });
    writeVassals(z.dir, { "a.toml": sleeper(), "b.toml": sleeper() });
    const emperor = await startEmperor("e1", `zeus:127.0.0.1:${z.port}`);
    const allRunning = async (zeus: ZeusProc) => {
      const s = await zeus.status();
      return s !== undefined && !s.settling && s.vassals.length === 2 && s.vassals.every((v) => v.state === "running");
    };
    await waitFor(() => allRunning(z), 30_000, "a.toml and b.toml running");
    const before = await copies([emperor]);
    const first = await ha(z);
    expect(first?.leader).toMatchObject({ id: first!.id, machine: expect.any(String), pid: z.proc.pid });

    process.kill(z.proc.pid, "SIGKILL");
    await z.proc.exited;
    const again = await startZeus({ dir: z.dir, port: z.port, extra: flags });
    // Well within the 30 s lease: the restarted zeus ended it (old code: refused until it expired).
    await waitFor(async () => (await ha(again))?.role === "leader", 10_000, "the restarted zeus leading");
    expect(again.proc.stderr()).toContain(`the leader ${first!.id} at 127.0.0.1:${z.port} is gone`);
    await waitFor(() => allRunning(again), 20_000, "both vassals adopted");
    expect(await copies([emperor])).toEqual(before);
  },
  60_000,
);

haTest(
  "a zeus at another address does not end a silent leader's lease: it waits for etcd to expire it",
  async () => {
    const etcd = await startEtcd();
    const flags = ["--state", `etcd://${etcd.endpoint}/other`, "--dead-after", "30"];
    const z = await startZeus({ extra: flags });
    const first = await waitFor(async () => ((await ha(z))?.role === "leader" ? ha(z) : undefined), 10_000, "the first zeus leading");
    process.kill(z.proc.pid, "SIGKILL");
    await z.proc.exited;
    const other = await startZeus({ dir: z.dir, extra: flags });
    // It sees the leader silent for 3 s and more, and still stands by (the lease has 30 s).
    const seen = await waitFor(
      async () => {
        const s = await ha(other);
        return s && (s.leader_silent_s ?? 0) >= 3 ? s : undefined;
      },
      20_000,
      "the standby seeing the leader silent for 3 s",
    );
    expect(seen.role).toBe("standby");
    expect(seen.leader?.id).toBe(first!.id);
    expect(other.proc.stderr()).not.toContain("is gone");
  },
  60_000,
);

haTest(
  "an emperor dialling while zeus stands by for a leader at zeus's own address is held, not sent away: it joins once zeus leads",
  async () => {
    const etcd = await startEtcd();
    const port = await freePort();
    // A leader key left at this address by a zeus of an earlier version (no machine, no pid:
    // not provably gone), on a lease of 4 s that nobody renews.
    const client = new EtcdClient({ endpoints: [etcd.endpoint] });
    const lease = grantResult(await client.call(leaseGrantRequest(4))).id;
    const old = { id: "old-zeus", zeus: `127.0.0.1:${port}`, since: new Date().toISOString() };
    await client.call(putRequest("/hold/leader", JSON.stringify(old), lease));
    const z = await startZeus({ port, extra: ["--state", `etcd://${etcd.endpoint}/hold`] });
    await waitFor(async () => (await ha(z))?.leader?.id === "old-zeus", 10_000, "zeus standing by for the old leader");

    const heard: ZeusMessage[] = [];
    let closed = false;
    const decoder = new PacketDecoder({ modifier1: ZEUS_MODIFIER1, family: "Zeus" });
    const socket = await Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        data: (_s, data) => void heard.push(...decoder.push(data).map((p) => decodeMessage(p, "zeus"))),
        close: () => void (closed = true),
      },
    });
    const send = (m: ZeusMessage) => socket.write(encodePacket(encodeMessage(m)));
    const beat = () => send({ type: "I_AM_ALIVE", node: "held", maxVassals: 1, runningVassals: 0 });
    beat();
    for (const m of reportMessages([])) send(m);
    const beating = setInterval(beat, 500);
    try {
      await waitFor(async () => (await ha(z))?.role === "leader", 20_000, "zeus leading once the old lease expired");
      await waitFor(async () => (await z.status())?.emperors.some((e) => e.node === "held" && e.alive), 10_000, "the held emperor joined");
      expect(heard.filter((m) => m.type === "NOT_LEADER")).toEqual([]);
      expect(closed).toBe(false);
    } finally {
      clearInterval(beating);
      socket.end();
    }
  },
  60_000,
);
