// sprog listen: every message a node logs, from any origin, printed exactly once.
import { afterAll, expect, test } from "bun:test";
import { bin, killAll, removeTmpDirs, run, start, waitFor } from "../helpers/procs.ts";
import { startRing } from "../helpers/ring_setup.ts";

afterAll(async () => {
  await killAll();
  removeTmpDirs();
});

test("sprog listen receives every message sent anywhere in the ring exactly once", async () => {
  const ring = await startRing("127.2.4");
  const all = start(bin("sprog"), ["listen", "--server", `${ring.nodes[0]!.host}:${ring.clientPort}`]);
  const alerts = start(bin("sprog"), [
    "listen",
    "--config",
    ring.config,
    "--server",
    `${ring.nodes[3]!.host}:${ring.clientPort}`,
    "--prefix",
    "ALERT",
  ]);
  await waitFor(() => all.stderr().includes("listening to") && alerts.stderr().includes("listening to"), 10_000, "listeners to subscribe");

  const lines = Array.from({ length: 300 }, (_, k) => `${k % 3 === 0 ? "ALERT" : "info"} ${k} ${crypto.randomUUID()}`);
  const r = await run(bin("sprog"), ["--config", ring.config, "-m", "-", "-i", "0", "--window", "16"], { input: `${lines.join("\n")}\n` });
  expect(r.code).toBe(0);

  const received = (out: string) => out.split("\n").filter((l) => l !== "");
  await waitFor(() => received(all.stdout()).length >= 300 && received(alerts.stdout()).length >= 100, 20_000, "listeners to print");
  // A non-event (nothing printed twice or out of the prefix): time for a stray line to wrongly arrive.
  await Bun.sleep(300);
  const got = received(all.stdout());
  expect(got).toHaveLength(300);
  for (const l of got) expect(l).toMatch(/^\d+ (MV|PA|G|LA|S) [0-9a-f]{16}-\d+ /);
  // SEQ is MV's sequence number: 1, 2, 3 ... in the order MV logged them.
  expect(got.map((l) => Number(l.split(" ")[0]))).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
  const contents = got.map((l) => l.split(" ").slice(3).join(" "));
  expect(new Set(contents)).toEqual(new Set(lines));
  const origins = new Set(got.map((l) => l.split(" ")[1]));
  expect(origins.size).toBeGreaterThan(1);
  const alerted = received(alerts.stdout()).map((l) => l.split(" ").slice(3).join(" "));
  expect(new Set(alerted)).toEqual(new Set(lines.filter((l) => l.startsWith("ALERT"))));
  expect(alerted).toHaveLength(100);
}, 90_000);

test("sprog listen reconnects when its node comes back", async () => {
  const ring = await startRing("127.2.7");
  const listener = start(bin("sprog"), ["listen", "--server", `${ring.nodes[1]!.host}:${ring.clientPort}`]);
  await waitFor(() => listener.stderr().includes("listening to"), 10_000, "the listener to subscribe");
  await ring.killNode(1);
  await waitFor(() => listener.stderr().includes("reconnecting"), 10_000, "the listener to notice");
  await ring.startNode(1);
  await waitFor(() => listener.stderr().split("listening to").length > 2, 15_000, "the listener to subscribe again");
  const text = `after the restart ${crypto.randomUUID()}`;
  const r = await run(bin("sprog"), ["--config", ring.config, "-s", ring.nodes[3]!.host, "-n", "1", "-m", text]);
  expect(r.code).toBe(0);
  await waitFor(() => listener.stdout().includes(text), 10_000, "the message after the restart");
  expect(listener.stdout().trimEnd().split("\n")).toEqual([expect.stringMatching(new RegExp(`^\\d+ LA [0-9a-f]{16}-1 ${text}$`))]);
}, 60_000);
