import { expect, test } from "bun:test";
import { ago, renderTable } from "../../lib/stats/mod.ts";

test("renderTable pads columns and shows missing cells as -", () => {
  expect(
    renderTable(
      ["peer", "state"],
      [
        ["PA", "up"],
        ["LA", undefined],
      ],
    ),
  ).toBe("peer  state\nPA    up\nLA    -\n");
});

test("ago renders an age in seconds, never for no timestamp, and no negative ages", () => {
  const now = Date.parse("2026-11-22T04:50:07.510Z");
  expect(ago("2026-11-22T04:50:07.210Z", now)).toBe("0.3 s ago");
  expect(ago("2026-11-22T04:50:08.000Z", now)).toBe("0.0 s ago");
  expect(ago(null, now)).toBe("never");
});
