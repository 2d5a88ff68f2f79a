import { expect, test } from "bun:test";
import { type AdminFrame, INITIAL_WINDOW, type StreamOpen } from "../../lib/admin/frames.ts";
import { ProtocolError } from "../../lib/errors.ts";
import { lastLinesOffset } from "../../lib/exec/log_tail.ts";
import { StreamRelay } from "../../lib/exec/relay.ts";
import { SendWindow } from "../../lib/exec/window.ts";

const open: StreamOpen = { kind: "exec", vassal: "a.toml", argv: ["cat"], tty: false, stdin: true, rows: 24, cols: 80, who: "forged" };

function relay() {
  const toAdmin: [number, AdminFrame][] = [];
  const toEmperor: [number, AdminFrame][] = [];
  const r = new StreamRelay(
    { toAdmin: (c, f) => toAdmin.push([c, f]), toEmperor: (c, f) => toEmperor.push([c, f]), now: () => 0 },
    (vassal, node) =>
      vassal === "a.toml" && (node ?? "n1") === "n1" ? { node: "n1", conn: 7 } : { code: "no-such-vassal", reason: `no ${vassal}` },
  );
  return { r, toAdmin, toEmperor };
}

test("the relay renumbers streams both ways, stamps who asked, and ends them when either side goes", () => {
  const { r, toAdmin, toEmperor } = relay();
  r.fromAdmin(1, "ops", { type: "OPEN", id: 5, open });
  const [conn, o] = toEmperor.at(-1)!;
  expect(conn).toBe(7);
  expect(o).toMatchObject({ type: "OPEN", open: { who: "ops" } });
  const zid = (o as { id: number }).id;
  r.fromEmperor(7, { type: "OPENED", id: zid, node: "", pid: 9 });
  expect(toAdmin.at(-1)).toEqual([1, { type: "OPENED", id: 5, node: "n1", pid: 9 }]);
  r.fromAdmin(1, "ops", { type: "DATA", id: 5, fd: 0, data: new Uint8Array(3) });
  expect(toEmperor.at(-1)).toEqual([7, { type: "DATA", id: zid, fd: 0, data: new Uint8Array(3) }]);
  r.fromEmperor(7, { type: "DATA", id: zid, fd: 1, data: new Uint8Array(2) });
  expect(toAdmin.at(-1)).toEqual([1, { type: "DATA", id: 5, fd: 1, data: new Uint8Array(2) }]);
  r.fromEmperor(7, { type: "END", id: zid, code: 3 });
  expect(toAdmin.at(-1)).toEqual([1, { type: "END", id: 5, code: 3 }]);
  expect(r.size).toBe(0);

  r.fromAdmin(1, "ops", { type: "OPEN", id: 6, open });
  r.emperorClosed(7);
  expect(toAdmin.at(-1)).toMatchObject([1, { type: "END", id: 6, error: "lost" }]);
  r.fromAdmin(2, "ops", { type: "OPEN", id: 1, open });
  const z2 = (toEmperor.at(-1)![1] as { id: number }).id;
  r.adminClosed(2);
  expect(toEmperor.at(-1)).toMatchObject([7, { type: "CANCEL", id: z2 }]);
  expect(r.size).toBe(0);
});

test("the relay answers what it cannot place, and refuses data past a window", () => {
  const { r, toAdmin, toEmperor } = relay();
  r.fromAdmin(1, "ops", { type: "OPEN", id: 1, open: { ...open, vassal: "b.toml" } });
  expect(toAdmin.at(-1)).toEqual([1, { type: "END", id: 1, code: 0, error: "no-such-vassal", reason: "no b.toml" }]);
  r.fromAdmin(1, "ops", { type: "OPEN", id: 2, open });
  expect(() => r.fromAdmin(1, "ops", { type: "OPEN", id: 2, open })).toThrow(/already open/);
  expect(() => r.fromAdmin(1, "ops", { type: "DATA", id: 2, fd: 1, data: new Uint8Array(1) })).toThrow(/only 0/);
  expect(() => r.fromAdmin(1, "ops", { type: "DATA", id: 2, fd: 0, data: new Uint8Array(INITIAL_WINDOW + 1) })).toThrow(ProtocolError);
  r.fromAdmin(1, "ops", { type: "OPEN", id: 3, open });
  const big = new Uint8Array(INITIAL_WINDOW);
  // The emperor may send what the client granted, no more.
  const zid = (toEmperor.at(-1)![1] as { id: number }).id;
  r.fromEmperor(7, { type: "DATA", id: zid, fd: 1, data: big });
  expect(() => r.fromEmperor(7, { type: "DATA", id: zid, fd: 1, data: new Uint8Array(1) })).toThrow(/past its flow-control window/);
  r.fromAdmin(1, "ops", { type: "WINDOW", id: 3, bytes: 10 });
  r.fromEmperor(7, { type: "DATA", id: zid, fd: 2, data: new Uint8Array(10) });
});

test("SendWindow: take what is granted, wait when none is left", async () => {
  const w = new SendWindow(5);
  expect(w.take(3)).toBe(3);
  expect(w.take(3)).toBe(2);
  let opened = false;
  const p = w.open().then(() => (opened = true));
  // A non-event (the open stays pending) cannot be awaited: one turn of the event loop for it to wrongly resolve.
  await Bun.sleep(1);
  expect(opened).toBe(false);
  w.grant(4);
  await p;
  expect(w.available).toBe(4);
});

test("the last N lines of a log", () => {
  const b = (s: string) => new TextEncoder().encode(s);
  expect(lastLinesOffset(b("a\nb\nc\n"), 2)).toBe(2);
  expect(lastLinesOffset(b("a\nb\nc"), 2)).toBe(2);
  expect(lastLinesOffset(b("a\nb\nc\n"), 3)).toBe(-1);
  expect(lastLinesOffset(b("a\nb\nc\n"), 0)).toBe(6);
  expect(lastLinesOffset(b("\n\n"), 1)).toBe(1);
});
