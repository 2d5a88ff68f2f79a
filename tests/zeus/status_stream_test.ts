// The whole /status of a large fleet is streamed a slice of rows per turn of the event loop
// (at 100 000 vassals, making and serialising it at once held zeus's loop 0.5-1.4 s): the
// text it streams is the document zeusStatus makes at once, keys in the same order.
import { expect, test } from "bun:test";
import { serveStats, type StreamedStatus } from "../../lib/stats/mod.ts";
import { statusStream } from "../../lib/zeus/status_stream.ts";
import { statusOf, statusPlan, statusPlanSliced, zeusStatus } from "../../lib/zeus/zeus_status.ts";
import { fakeFleet } from "./_fake_fleet.ts";
import { turnsDuring } from "../helpers/loop_turns.ts";

const conf = (n: number) => new TextEncoder().encode(`[vassal]\ncommand = "/bin/sleep"\nnodes = ${n}\n`);

/** A fleet of two emperors running 30 vassals, one of them short of a copy. */
function fleet() {
  const f = fakeFleet(5000);
  f.connect(1, "e1");
  f.connect(2, "e2");
  for (let i = 0; i < 29; i++) f.core.fileSet(`v${String(i).padStart(2, "0")}.toml`, conf(1));
  f.core.fileSet("wide.toml", conf(3));
  f.run(1, 100);
  f.run(2, 200);
  return f;
}

test("the streamed status is the document made at once, a slice of rows per turn of the loop", async () => {
  const { core } = fleet();
  const first = { version: "9.9.9", started_at: "2026-01-01T00:00:00.000Z" };
  const last = { ha: { role: "leader" } };
  const text = new Response(statusStream(statusPlan(core), first, last, 4)).text();
  const { value, turns } = await turnsDuring(text);
  const whole = { ...first, ...zeusStatus(core), ...last };
  expect(JSON.parse(value)).toEqual(whole);
  expect(Object.keys(JSON.parse(value))).toEqual(Object.keys(whole));
  expect(turns).toBeGreaterThanOrEqual(7); // 30 rows, 4 a slice: the loop ran between slices
});

test("a streamed page or filter lists what the view asks for; no row is valid JSON too", async () => {
  const { core } = fleet();
  for (const view of [{ offset: 5, limit: 9 }, { state: "partial" }, { summary: true }, { node: "nobody" }]) {
    const doc = await new Response(statusStream(statusPlan(core, view), {}, {}, 2)).json();
    expect(doc).toEqual(zeusStatus(core, view));
  }
});

test("GET /status answers a streamed status as JSON opening with the process' keys", async () => {
  const { core } = fleet();
  const s = serveStats("127.0.0.1", 0, {
    status: (): StreamedStatus => ({ streamed: (head) => statusStream(statusPlan(core), head) }),
    metrics: () => "",
  });
  try {
    const res = await fetch(`http://127.0.0.1:${s.port}/status`);
    expect(res.headers.get("content-type")).toContain("application/json");
    const doc = await res.json();
    expect(Object.keys(doc).slice(0, 4)).toEqual(["version", "started_at", "uptime_s", "settling"]);
    expect(doc.vassals).toEqual(zeusStatus(core).vassals);
  } finally {
    s.stop();
  }
});

test("a large fleet's vassals are counted a slice per turn of the loop: the same document as counted at once, for every view", async () => {
  // At 1 000 000 copies a /status?summary asked once a second held zeus's loop 424 ms at a time.
  const { core } = fleet();
  for (const view of [{}, { summary: true }, { state: "partial" }, { offset: 5, limit: 9 }, { max: 3 }, { node: "e2" }]) {
    const { value: plan, turns } = await turnsDuring(statusPlanSliced(core, view, 4));
    expect(statusOf(plan)).toEqual(zeusStatus(core, view));
    expect(turns).toBeGreaterThanOrEqual(6); // 30 vassals, 4 a slice: 7 awaits, the loop ran between them
  }
});

test("GET /status answers a status counted a slice at a time (a promise), streamed or not", async () => {
  const { core } = fleet();
  const s = serveStats("127.0.0.1", 0, {
    status: (q) =>
      statusPlanSliced(core, q.has("summary") ? { summary: true } : {}, 4).then((plan) =>
        q.has("summary") ? statusOf(plan) : { streamed: (head: Record<string, unknown>) => statusStream(plan, head) },
      ),
    metrics: () => "",
  });
  try {
    expect((await (await fetch(`http://127.0.0.1:${s.port}/status?summary`)).json()).summary).toEqual(
      zeusStatus(core, { summary: true }).summary,
    );
    expect((await (await fetch(`http://127.0.0.1:${s.port}/status`)).json()).vassals).toEqual(zeusStatus(core).vassals);
  } finally {
    s.stop();
  }
});
