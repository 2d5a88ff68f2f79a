import { afterAll, afterEach, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Supervisor } from "../../lib/emperor/supervisor.ts";
import { ZeusLink } from "../../lib/emperor/zeus_link.ts";
import { dirSource } from "../../lib/zeus/vassal_source.ts";
import { startZeus, type ZeusServer } from "../../lib/zeus/zeus_server.ts";
import { zeusStatus } from "../../lib/zeus/zeus_status.ts";
import { freePort, removeTmpDirs, tmpDir, waitFor } from "../helpers/procs.ts";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(removeTmpDirs);

const sleeper = (extra = "") => `[vassal]\ncommand = "/bin/sleep"\nargs = ["1000"]\n${extra}`;

async function emperor(node: string, port: number, max = 100) {
  let link: ZeusLink | undefined;
  const sup = new Supervisor({ stateDir: tmpDir(`emp-${node}-`), onEvent: (e) => link?.onEvent(e) });
  await sup.start();
  link = new ZeusLink(sup, { host: "127.0.0.1", port, node, maxVassals: max, heartbeatMs: 200 });
  link.start();
  cleanups.push(async () => {
    link!.stop();
    await sup.stopAll();
  });
  return { sup, link };
}

async function zeus(dir: string): Promise<ZeusServer> {
  const z = await startZeus({ host: "127.0.0.1", port: await freePort(), vassals: dirSource(dir), deadAfterMs: 1500 });
  cleanups.push(() => z.stop());
  return z;
}

const running = (z: ZeusServer) => zeusStatus(z.core).vassals.filter((v) => v.state === "running");

test("in-process: zeus places, updates, reloads and destroys vassals on real supervisors", async () => {
  const dir = tmpDir();
  const z = await zeus(dir);
  const a = await emperor("a", z.port);
  const b = await emperor("b", z.port);
  await waitFor(() => zeusStatus(z.core).emperors.filter((e) => e.alive).length === 2 && !z.core.settling, 5000, "two emperors");
  for (let i = 0; i < 6; i++) writeFileSync(join(dir, `v${i}.toml`), sleeper());
  writeFileSync(join(dir, "big.toml"), sleeper(`# ${"x".repeat(100_000)}\n`));
  await waitFor(() => running(z).length === 7, 10_000, "7 running vassals");
  expect(a.sup.list().length + b.sup.list().length).toBe(7);
  expect(Math.abs(a.sup.list().length - b.sup.list().length)).toBeLessThanOrEqual(1);

  const holder = a.sup.has("v0.toml") ? a.sup : b.sup;
  const pid0 = holder.list().find((v) => v.name === "v0.toml")!.pid!;
  writeFileSync(join(dir, "v0.toml"), sleeper("# changed\n"));
  await waitFor(() => (holder.list().find((v) => v.name === "v0.toml")?.pid ?? pid0) !== pid0, 5000, "v0 restarted with its new config");
  await waitFor(() => running(z).length === 7, 5000, "v0 running again");

  const { rmSync } = await import("node:fs");
  rmSync(join(dir, "v1.toml"));
  await waitFor(() => !a.sup.has("v1.toml") && !b.sup.has("v1.toml"), 5000, "v1 destroyed");
  expect(zeusStatus(z.core).vassals.length).toBe(6);
}, 30_000);

test("in-process: killing the link of an emperor moves its vassals; zeus restart adopts without respawn", async () => {
  const dir = tmpDir();
  for (let i = 0; i < 4; i++) writeFileSync(join(dir, `v${i}.toml`), sleeper());
  const z = await zeus(dir);
  const a = await emperor("a", z.port);
  await waitFor(() => running(z).length === 4, 10_000, "4 running on a");
  const pids = a.sup.list().map((v) => v.pid);
  z.stop();
  const z2 = await startZeus({ host: "127.0.0.1", port: z.port, vassals: dirSource(dir), deadAfterMs: 3000 });
  cleanups.push(() => z2.stop());
  await waitFor(() => running(z2).length === 4 && !z2.core.settling, 10_000, "4 adopted");
  expect(a.sup.list().map((v) => v.pid)).toEqual(pids);
  expect(z2.core.counters.adopted).toBe(4);
  expect(z2.core.counters.placed).toBe(0);
}, 30_000);
