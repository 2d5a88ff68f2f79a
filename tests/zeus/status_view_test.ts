import { expect, test } from "bun:test";
import { UsageError } from "../../lib/errors.ts";
import { renderZeusStatus, statusQuery } from "../../lib/zeus/status_command.ts";
import { pick, statusView } from "../../lib/zeus/status_view.ts";
import { zeusStatus } from "../../lib/zeus/zeus_status.ts";
import { CONSOLE_ATTENTION_ROWS, CONSOLE_ROWS, consoleView } from "../../lib/zeus/zeus_console.ts";
import { fakeFleet } from "./_fake_fleet.ts";

const body = (copies = 1) => new TextEncoder().encode(`[vassal]\ncommand = "/bin/sleep"\nargs = ["1000"]\nnodes = ${copies}\n`);

/** Two emperors of 10 slots: five vassals run on them, a sixth wants three copies and runs two (partial). */
function fleet() {
  const f = fakeFleet(5000);
  f.connect(1, "e1");
  f.connect(2, "e2");
  for (let i = 0; i < 5; i++) f.core.fileSet(`v${i}.toml`, body());
  f.core.fileSet("wide.toml", body(3));
  f.run(1, 101);
  f.run(2, 102);
  return f;
}

test("the summary counts every vassal and copy by state whatever is listed; ?summary lists no rows", () => {
  const { core } = fleet();
  const all = zeusStatus(core);
  expect(all.vassals.map((v) => v.name)).toEqual(["v0.toml", "v1.toml", "v2.toml", "v3.toml", "v4.toml", "wide.toml"]);
  const counts = { emperors: 2, alive: 2, vassals: 6, vassal_states: { running: 5, partial: 1 }, copy_states: { running: 7 } };
  expect(all.summary).toEqual({ ...counts, listed: { emperors: 2, vassals: 6 } });
  const summary = zeusStatus(core, { summary: true });
  expect([summary.emperors, summary.vassals]).toEqual([[], []]);
  expect(summary.summary).toEqual({ ...counts, listed: { emperors: 0, vassals: 0 } });
});

test("?max leaves out a table longer than it; filters by state and node, and pages by name", () => {
  const { core } = fleet();
  const capped = zeusStatus(core, { max: 5 });
  expect([capped.emperors.length, capped.vassals.length]).toEqual([2, 0]);
  expect(zeusStatus(core, { state: "partial" }).vassals.map((v) => v.name)).toEqual(["wide.toml"]);
  const onE1 = zeusStatus(core, { node: "e1" });
  expect(onE1.emperors.map((e) => e.node)).toEqual(["e1"]);
  expect(onE1.vassals.every((v) => v.emperors.some((c) => c.node === "e1"))).toBe(true);
  expect(onE1.vassals.length).toBe(core.emperors.get("e1")!.names.size);
  expect(zeusStatus(core, { offset: 1, limit: 2 }).vassals.map((v) => v.name)).toEqual(["v1.toml", "v2.toml"]);
});

test("?attention lists what needs an operator: vassals not running, emperors draining or lost; ?limit caps both tables", () => {
  const f = fleet();
  expect(zeusStatus(f.core, { attention: true }).vassals.map((v) => v.name)).toEqual(["wide.toml"]);
  expect(zeusStatus(f.core, { attention: true }).emperors).toEqual([]);
  f.core.drain("e2");
  f.connect(3, "e3"); // ready (it said REPORT_END): it needs no operator
  const drained = zeusStatus(f.core, { attention: true });
  expect(drained.emperors.map((e) => e.node)).toEqual(["e2"]);
  // e2's copies move: what is not running on its own is listed, the counts stay whole.
  expect(drained.summary.vassals).toBe(6);
  f.core.connClosed(1);
  const lost = zeusStatus(f.core, { attention: true, limit: 1 });
  expect(lost.emperors.map((e) => e.node)).toEqual(["e1"]);
  expect(lost.vassals).toHaveLength(1);
  expect(lost.summary.listed).toEqual({ emperors: 1, vassals: 1 });
});

test("the console lists everything up to 1 000 rows a table, beyond that what needs an operator, 200 rows at most", () => {
  expect(consoleView(CONSOLE_ROWS, 3)).toEqual({});
  expect(consoleView(3, CONSOLE_ROWS)).toEqual({});
  expect(consoleView(CONSOLE_ROWS + 1, 3)).toEqual({ attention: true, limit: CONSOLE_ATTENTION_ROWS });
  expect(consoleView(3, CONSOLE_ROWS + 1)).toEqual({ attention: true, limit: CONSOLE_ATTENTION_ROWS });
});

test("the query: whole numbers only, said in a UsageError (HTTP 400); pick pages only when asked", () => {
  expect(statusView(new URLSearchParams("summary&attention&state=pending&node=e1&max=10&offset=2&limit=3"))).toEqual({
    summary: true,
    attention: true,
    state: "pending",
    node: "e1",
    max: 10,
    offset: 2,
    limit: 3,
  });
  expect(() => statusView(new URLSearchParams("max=-1"))).toThrow(UsageError);
  expect(() => statusView(new URLSearchParams("limit=ten"))).toThrow("/status?limit=ten: give a whole number ≥ 0");
  expect(pick([1, 2, 3], { offset: 1 })).toEqual([1, 2, 3]);
  expect(pick([1, 2, 3], { offset: 1 }, true)).toEqual([2, 3]);
});

test("zeus status asks for a summary beyond 1 000 rows, every row with --all, a filter's rows; prints the counts and how to list", () => {
  expect(statusQuery({})).toBe("?max=1000");
  expect(statusQuery({ all: true, state: "x" })).toBe("");
  expect(statusQuery({ state: "pending", node: "e1" })).toBe("?state=pending&node=e1");
  const { core } = fleet();
  const text = renderZeusStatus(zeusStatus(core, { max: 5 }));
  expect(text).not.toContain("VASSAL ");
  expect(text).toContain("EMPEROR");
  expect(text).toContain("emperors: 2 (2 alive), 2 listed\nvassals: 6 (1 partial, 5 running), 0 listed\ncopies: 7 running\n");
  expect(text).toContain("zeus status --all lists every row; --state STATE or --node NODE lists some");
  // Everything listed: no summary lines, as before.
  expect(renderZeusStatus(zeusStatus(core))).not.toContain("listed");
});
