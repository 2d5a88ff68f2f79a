import { expect, test } from "bun:test";
import { formatProgress, formatSummary, rate } from "../../../lib/ring/client/summary.ts";
import { formatEvent } from "../../../lib/ring/client/listen_command.ts";

test("the summary line starts with the three counts and gives time and rate", () => {
  expect(formatSummary({ sent: 500, acked: 500, failed: 0, retried: 0 }, 1250)).toBe("500 sent, 500 acked, 0 failed in 1.25 s (400 msg/s)");
  expect(formatSummary({ sent: 3, acked: 2, failed: 1, retried: 4 }, 20_000)).toBe(
    "3 sent, 2 acked, 1 failed, 4 retried in 20.0 s (0.10 msg/s)",
  );
  expect(formatSummary({ sent: 0, acked: 0, failed: 0, retried: 0 }, 0)).toBe("0 sent, 0 acked, 0 failed in 0.00 s (0.00 msg/s)");
});

test("progress shows the target count when there is one", () => {
  expect(formatProgress({ sent: 1200, acked: 1100, failed: 0, retried: 0 }, 3000, 20000)).toBe(
    "1200/20000 sent, 1100 acked, 0 failed (367 msg/s)",
  );
  expect(formatProgress({ sent: 12, acked: 11, failed: 1, retried: 0 }, 1000)).toBe("12 sent, 11 acked, 1 failed (11.0 msg/s)");
  expect(rate(5, 0)).toBe(0);
});

test("a listened message prints as origin, id and content", () => {
  expect(formatEvent({ seq: 7, id: "c5-1", node: "MV", msg: "0hello world\r\n" })).toBe("7 MV c5-1 hello world");
  expect(formatEvent({ seq: 0, id: "c5-2", node: "", msg: "2x\r\n" })).toBe("- - c5-2 x");
});
