// Durable listeners and groups are visible and manageable (issue 21 item 8): sprog durable
// ls|rm and sprog group ls|rm against real zog nodes, the same rows in /status and
// /metrics, a connected one removed only with --force (which stops its listener), and with
// client certificates only an admin certificate may remove.
import { afterAll, expect, test } from "bun:test";
import { EXIT } from "../../lib/errors.ts";
import { bin, killAll, removeTmpDirs, run, start, tmpDir, waitFor } from "../helpers/procs.ts";
import { accessContents, freeRingPorts, meshUp, startNode, status, writeRing } from "../helpers/ring_setup.ts";
import { WireClient } from "../helpers/wire_client.ts";
import { batch, listen, printed, send, twoNodes } from "./_listen.ts";

afterAll(async () => {
  await killAll();
  removeTmpDirs();
});

test("sprog durable ls|rm and group ls|rm: position, lag, last seen, members; rm refuses a connected one without --force", async () => {
  const { ring, stats } = await twoNodes("127.3.21");
  const a = `${ring.hosts[0]}:${ring.clientPort}`;
  const sprog = (...args: string[]) => run(bin("sprog"), args);

  const audit = listen(ring, 0, ["--durable", "audit"]);
  await waitFor(() => audit.stderr().includes("durable audit"), 10_000, "the durable listener");
  await send(ring, ring.hosts[0]!, batch("first", 20));
  await waitFor(() => printed(audit).length === 20, 10_000, "20 printed");
  const acked = printed(audit).at(-1)!.seq;
  const row = async (name: string) => (await status(ring, "A", stats))?.store?.positions.find((p: { name: string }) => p.name === name);
  await waitFor(async () => (await row("audit"))?.position === acked, 5000, "its acknowledged position");
  audit.child.kill("SIGTERM");
  expect(await audit.exited).toBe(0);
  await waitFor(async () => (await row("audit"))?.connected === 0, 5000, "audit gone");
  await send(ring, ring.hosts[1]!, batch("behind", 30));
  await waitFor(() => accessContents(ring, "A").length === 50, 10_000, "A to log 50");

  // Asked through every node of ring.toml: only A has it.
  const ls = await sprog("durable", "ls", "--config", ring.config);
  expect(ls.stderr).toBe("");
  expect(ls.code).toBe(0);
  expect(ls.stdout).toMatch(/^NODE\s+NAME\s+POSITION\s+LAG\s+LAG \(S\)\s+LAST SEEN\s+CONNECTED\n/);
  expect(ls.stdout).toMatch(new RegExp(`^A\\s+audit\\s+${acked}\\s+30\\s+[\\d.]+\\s+[\\d.]+ s ago\\s+no$`, "m"));
  expect(ls.stdout.trim().split("\n")).toHaveLength(2);
  const json = JSON.parse((await sprog("durable", "ls", "--server", a, "--json")).stdout);
  expect(json).toEqual([
    expect.objectContaining({ node: "A", name: "audit", kind: "durable", position: acked, connected: 0, lag_messages: 30 }),
  ]);
  expect(Date.parse(json[0].last_seen)).toBeGreaterThan(Date.now() - 60_000);
  expect(await row("audit")).toMatchObject({ lag_messages: 30, connected: 0 });
  const metrics = await (await fetch(`http://${ring.hosts[0]}:${stats}/metrics`)).text();
  expect(metrics).toContain('zog_position_lag_messages{node="A",durable="audit"} 30');

  // A connected durable listener: refused without --force; forced, its listener is told and stops.
  const live = listen(ring, 0, ["--durable", "live"]);
  await waitFor(async () => (await row("live"))?.connected === 1, 10_000, "live connected");
  const refused = await sprog("durable", "rm", "live", "--server", a);
  expect(refused.code).toBe(EXIT.refused);
  expect(refused.stderr).toMatch(/durable "live" is connected \([\d.]+:\d+\): stop it first, or force to disconnect it/);
  const forced = await sprog("durable", "rm", "live", "--force", "--server", a);
  expect(forced.stderr).toBe("");
  expect(forced.code).toBe(0);
  expect(forced.stdout).toBe(`removed durable live on ${a} (1 connection closed)\n`);
  expect(await live.exited).toBe(1);
  expect(live.stderr()).toMatch(/durable live was removed by 127\.[\d.]+:\d+/);
  expect(await row("live")).toBeUndefined();

  // Not connected: removed at once, from every node that has it; again: no node has it.
  const rm = await sprog("durable", "rm", "audit", "--config", ring.config);
  expect(rm.code).toBe(0);
  expect(rm.stdout).toBe(`removed durable audit on ${a}\n`);
  expect(await row("audit")).toBeUndefined();
  const again = await sprog("durable", "rm", "audit", "--config", ring.config);
  expect(again.code).toBe(EXIT.notFound);
  expect(again.stderr).toBe('sprog: no durable "audit" on any of 2 nodes\n');
  // It comes back new: live from now on, not from its old position.
  const back = listen(ring, 0, ["--durable", "audit"]);
  await waitFor(() => back.stderr().includes("durable audit"), 10_000, "audit back");
  await send(ring, ring.hosts[0]!, ["after removal"]);
  await waitFor(() => printed(back).length === 1, 10_000, "the one message after");
  expect(printed(back)[0]!.content).toBe("after removal");
  back.child.kill("SIGTERM");
  await back.exited;

  // Many durable listeners: the answer comes in pages (one packet holds at most 64 KiB).
  const names = Array.from({ length: 400 }, (_, i) => `many-durable-listener-${String(i).padStart(3, "0")}`);
  for (const name of names) {
    const c = await WireClient.connect(ring.hosts[0]!, ring.clientPort);
    expect(await c.subscribe({ durable: name })).toBeUndefined();
    c.close();
    await c.closed();
  }
  const many = await sprog("durable", "ls", "--server", a, "--json");
  expect(many.code).toBe(0);
  expect((JSON.parse(many.stdout) as { name: string }[]).map((r) => r.name).filter((n) => n.startsWith("many-"))).toEqual(names);

  // Groups: members, in flight, redeliveries; removed only with --force while a member is on.
  const member = listen(ring, 0, ["--group", "jobs"]);
  await waitFor(async () => (await row("jobs"))?.connected === 1, 10_000, "the member");
  await send(ring, ring.hosts[1]!, batch("job", 10));
  await waitFor(() => printed(member).length === 10, 10_000, "10 jobs");
  const groups = await sprog("group", "ls", "--server", a);
  expect(groups.code).toBe(0);
  expect(groups.stdout).toMatch(/^NODE\s+NAME\s+POSITION\s+LAG\s+LAG \(S\)\s+MEMBERS\s+IN FLIGHT\s+REDELIVERIES\s+LAST SEEN\n/);
  expect(groups.stdout).toMatch(/^A\s+jobs\s+\d+\s+\d+\s+[\d.]+\s+1\s+\d+\s+0\s+[\d.]+ s ago$/m);
  const wrongKind = await sprog("durable", "rm", "jobs", "--server", a);
  expect(wrongKind.code).toBe(EXIT.notFound);
  expect(wrongKind.stderr).toContain('no durable "jobs" on this node (a group has that name: sprog group rm jobs)');
  expect((await sprog("group", "rm", "jobs", "--server", a)).code).toBe(EXIT.refused);
  const gone = await sprog("group", "rm", "jobs", "--force", "--server", a);
  expect(gone.code).toBe(0);
  expect(await member.exited).toBe(1);
  expect(member.stderr()).toMatch(/group jobs was removed by /);
  expect(await row("jobs")).toBeUndefined();

  // A responder's group (reply.SERVICE) removed: it stops with exit 1 and the reason.
  const responder = start(bin("sprog"), ["reply", "--service", "up", "--server", a, "--", "echo", "hi"]);
  await waitFor(async () => (await row("reply.up"))?.connected === 1, 10_000, "the responder");
  expect((await sprog("group", "rm", "reply.up", "--force", "--server", a)).code).toBe(0);
  expect(await responder.exited).toBe(1);
  expect(responder.stderr()).toMatch(/group reply\.up was removed by /);
}, 90_000);

test("with client certificates, only a certificate named in [tls] admins (or a node's) may remove; any client may list", async () => {
  const dir = tmpDir("ring-admins-");
  const zog = async (...args: string[]) => expect((await run(bin("zog"), args)).code).toBe(0);
  await zog("certs", "init", `${dir}/pki`);
  for (const [name, host] of [
    ["A", "127.3.22.11"],
    ["B", "127.3.22.12"],
  ])
    await zog("certs", "issue", `${dir}/pki`, name!, "--host", host!);
  for (const name of ["ops", "client"]) await zog("certs", "issue", `${dir}/pki`, name);
  const ports = await freeRingPorts("127.3.22.11");
  const tail = `[tls]\nca = "pki/ca.crt"\ncert = "pki/{node}.crt"\nkey = "pki/{node}.key"\nadmins = ["ops"]\n`;
  const ring = writeRing(dir, "127.3.22", { names: ["A", "B"], ...ports, tail });
  for (const n of ring.names) startNode(ring, n, ports.statsPort);
  await waitFor(() => meshUp(ring, ports.statsPort), 15_000, "the mesh");
  const as = (who: string) => ["--config", ring.config, "--cert", `${dir}/pki/${who}.crt`, "--key", `${dir}/pki/${who}.key`];
  const l = start(bin("sprog"), ["listen", "--durable", "audit", "--server", `127.3.22.11:${ring.clientPort}`, ...as("client")]);
  await waitFor(() => l.stderr().includes("durable audit"), 10_000, "the durable listener");
  l.child.kill("SIGTERM");
  expect(await l.exited).toBe(0);

  const ls = await run(bin("sprog"), ["durable", "ls", ...as("client")]);
  expect(ls.code).toBe(0);
  expect(ls.stdout).toMatch(/^A\s+audit\s+/m);
  const refused = await run(bin("sprog"), ["durable", "rm", "audit", ...as("client")]);
  expect(refused.code).toBe(EXIT.refused);
  expect(refused.stderr).toContain('not an admin: certificate names "client", none of them given to ring.toml\'s [tls] admins');
  const removed = await run(bin("sprog"), ["durable", "rm", "audit", ...as("ops")]);
  expect(removed.stderr).toBe("");
  expect(removed.code).toBe(0);
  expect(removed.stdout).toBe(`removed durable audit on 127.3.22.11:${ring.clientPort}\n`);
}, 60_000);
