// Every daemon's stats port: /healthz (200, or 503 with the reason), /status opening with
// version, started_at and uptime_s, ISO times, snake_case keys; --log-format json.
import { afterAll, afterEach, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { killAll, removeTmpDirs, tmpDir, waitFor } from "../helpers/procs.ts";
import { freeRingPorts, meshUp, startNode, writeRing } from "../helpers/ring_setup.ts";
import { startEmperor as startDirEmperor } from "./_emperor.ts";
import { startEmperor, startZeus } from "./_zeus.ts";

afterEach(killAll);
afterAll(removeTmpDirs);

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

async function get(url: string): Promise<{ code: number; body: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  return { code: res.status, body: await res.text() };
}

/** Every key of a JSON document, nested, for the key-style check. */
function keys(v: unknown): string[] {
  if (Array.isArray(v)) return v.flatMap(keys);
  if (typeof v !== "object" || v === null) return [];
  return Object.entries(v).flatMap(([k, x]) => [k, ...keys(x)]);
}

function expectStatusHead(s: Record<string, unknown>): void {
  expect(s.version).toMatch(/^\d+\.\d+\.\d+/);
  expect(s.started_at).toMatch(ISO);
  expect(typeof s.uptime_s).toBe("number");
  // One key style: snake_case (vassal and node names are values, never keys).
  for (const k of keys(s)) if (!/^\d+$/.test(k)) expect(k).toMatch(/^[a-z0-9_]+$/);
}

test("zog: /healthz is 503 while no peer link is up, 200 once the mesh is; /status has the common head", async () => {
  const ports = await freeRingPorts("127.6.3.11");
  const ring = writeRing(tmpDir(), "127.6.3", { names: ["A", "B"], ...ports });
  startNode(ring, "A", ports.statsPort);
  const a = `http://127.6.3.11:${ports.statsPort}`;
  const alone = await waitFor(() => get(`${a}/healthz`).catch(() => undefined), 10_000, "A's /healthz");
  expect(alone).toEqual({ code: 503, body: "no link to any of the 1 peers is up\n" });
  startNode(ring, "B", ports.statsPort);
  await waitFor(() => meshUp(ring, ports.statsPort), 10_000, "the mesh");
  expect(await get(`${a}/healthz`)).toEqual({ code: 200, body: "ok: 1 of 1 peer links up\n" });
  expectStatusHead(JSON.parse((await get(`${a}/status`)).body));
}, 30_000);

test("zeus and an emperor under it: /healthz 200 and the common head; the emperor is 503 when zeus is gone", async () => {
  const z = await startZeus();
  const e = await startEmperor("m1", `zeus:127.0.0.1:${z.port}`);
  expect(await get(`http://127.0.0.1:${z.statsPort}/healthz`)).toEqual({ code: 200, body: "ok\n" });
  expectStatusHead(JSON.parse((await get(`http://127.0.0.1:${z.statsPort}/status`)).body));
  const url = `http://127.0.0.1:${e.statsPort}`;
  await waitFor(async () => (await get(`${url}/healthz`)).code === 200, 10_000, "the emperor connected");
  expect((await get(`${url}/healthz`)).body).toBe(`ok: connected to zeus 127.0.0.1:${z.port}\n`);
  expectStatusHead(JSON.parse((await get(`${url}/status`)).body));
  process.kill(z.proc.pid, "SIGKILL");
  const down = await waitFor(
    async () => {
      const h = await get(`${url}/healthz`);
      return h.code === 503 ? h : undefined;
    },
    10_000,
    "the emperor's 503",
  );
  // The state, then why the link is down (the first close, or the refused dial after it).
  expect(down.body).toMatch(new RegExp(`^not connected to zeus 127\\.0\\.0\\.1:${z.port} \\((connecting|waiting)\\)(: .+)?\\n$`));
}, 30_000);

test("emperor: /status lists vassal files with errors, times in ISO 8601; json logs with ASCII categories", async () => {
  const em = await startDirEmperor({ args: ["--log-format", "json"] });
  writeFileSync(join(em.dir, "ok.toml"), '[vassal]\ncommand = "sleep"\nargs = ["600"]\n');
  writeFileSync(join(em.dir, "bad.toml"), '[vassal]\ncommand = "sleep"\nbogus = 1\n');
  await em.running("ok.toml");
  const s = await waitFor(
    async () => {
      const st = JSON.parse((await get(`http://127.0.0.1:${em.statsPort}/status`)).body);
      return st.rejected.length === 1 ? st : undefined;
    },
    10_000,
    "bad.toml in rejected",
  );
  expectStatusHead(s);
  expect(s.rejected).toEqual([{ name: "bad.toml", reason: expect.stringMatching(/^bad\.toml:3: \[vassal\] has unknown key "bogus"/) }]);
  expect(s.vassals[0].since).toMatch(ISO);
  expect(await get(`http://127.0.0.1:${em.statsPort}/healthz`)).toEqual({ code: 200, body: "ok\n" });
  const lines = em.proc.stderr().trimEnd().split("\n");
  for (const l of lines) {
    const rec = JSON.parse(l);
    expect(rec.logger).toMatch(/^emperor(\.[a-z]+)*$/);
    expect(rec["@timestamp"]).toMatch(ISO);
  }
  expect(lines.some((l) => JSON.parse(l).message.includes("bad.toml:3"))).toBe(true);
}, 30_000);
