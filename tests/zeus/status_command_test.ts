import { expect, test } from "bun:test";
import { renderZeusStatus } from "../../lib/zeus/status_command.ts";
import type { ZeusStatus } from "../../lib/zeus/zeus_status.ts";

test("the emperors table shows heartbeat ages, and no stale RUNNING count for a lost emperor", () => {
  const now = Date.parse("2026-01-01T00:00:10.000Z");
  const s = {
    settling: false,
    emperors: [
      {
        node: "e1",
        remote: "10.0.0.1:5000",
        alive: true,
        max_vassals: 20,
        running: 4,
        assigned: 4,
        last_heartbeat: "2026-01-01T00:00:09.700Z",
      },
      {
        node: "e2",
        remote: "10.0.0.2:5000",
        alive: false,
        max_vassals: 20,
        running: 3,
        assigned: 0,
        last_heartbeat: "2026-01-01T00:00:02.000Z",
      },
      { node: "e3", remote: "", alive: false, max_vassals: 0, running: 0, assigned: 0 },
    ],
    vassals: [],
    counters: {},
  } as unknown as ZeusStatus;
  const lines = renderZeusStatus(s, now).split("\n");
  expect(lines[1]).toMatch(/^e1\s+yes\s+10\.0\.0\.1:5000\s+20\s+4\s+4\s+0\.3 s ago$/);
  expect(lines[2]).toMatch(/^e2\s+no\s+10\.0\.0\.2:5000\s+20\s+-\s+0\s+8\.0 s ago$/);
  expect(lines[3]).toMatch(/^e3\s+no\s+-\s+0\s+-\s+0\s+never$/);
});
