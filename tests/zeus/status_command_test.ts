import { expect, test } from "bun:test";
import { renderZeusStatus } from "../../lib/zeus/status_command.ts";
import { type ZeusStatus, zeusStatus } from "../../lib/zeus/zeus_status.ts";
import { fakeFleet } from "./_fake_fleet.ts";
import { haStatus } from "./_ha_status.ts";

test("the tables show heartbeat ages, no stale RUNNING count for a lost emperor, and why a vassal lacks copies", () => {
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
    vassals: [
      { name: "pair.toml", state: "partial", copies: 2, emperors: [{ node: "e1", state: "running", pid: 7, restarts: 0 }], restarts: 0 },
      { name: "wait.toml", state: "pending", copies: 1, emperors: [], restarts: 0 },
      { name: "bad.toml", state: "config-error", copies: 1, emperors: [], restarts: 0, error: "bad.toml:1: Invalid TOML" },
    ],
    counters: {},
  } as unknown as ZeusStatus;
  const lines = renderZeusStatus(s, now).split("\n");
  expect(lines[1]).toMatch(/^e1\s+yes\s+10\.0\.0\.1:5000\s+20\s+4\s+4\s+0\.3 s ago$/);
  expect(lines[2]).toMatch(/^e2\s+no\s+10\.0\.0\.2:5000\s+20\s+-\s+0\s+8\.0 s ago$/);
  expect(lines[3]).toMatch(/^e3\s+no\s+-\s+0\s+-\s+0\s+never$/);
  expect(lines[6]).toMatch(/^pair\.toml\s+partial\s+1\/2\s+e1\(7\)\s+0\s+needs 2 distinct emperors, 1 alive$/);
  expect(lines[7]).toMatch(/^wait\.toml\s+pending\s+0\/1\s+-\s+0\s+waiting for a free slot$/);
  expect(lines[8]).toMatch(/^bad\.toml\s+config-error\s+0\/1\s+-\s+0\s+bad\.toml:1: Invalid TOML$/);
});

test("fleet columns: copy states and health, labels and drains, the unmet constraint, rollouts and exits in NOTE", () => {
  const s = {
    settling: false,
    emperors: [
      { node: "e1", remote: "r", alive: true, max_vassals: 5, running: 1, assigned: 1, labels: { zone: "a", ssd: "" }, drain: "draining" },
      { node: "e2", remote: "r", alive: true, max_vassals: 5, running: 1, assigned: 1 },
    ],
    vassals: [
      {
        name: "ghost.toml",
        state: "backoff",
        copies: 1,
        emperors: [{ node: "e1", state: "backoff", pid: 0, restarts: 2, exit: "exit 127" }],
        restarts: 2,
      },
      { name: "nowhere.toml", state: "pending", copies: 1, emperors: [], restarts: 0, note: 'no alive emperor meets constraint "zone=c"' },
      {
        name: "roll.toml",
        state: "updating",
        copies: 3,
        emperors: [{ node: "e2", state: "running", pid: 7, restarts: 0, health: "healthy" }],
        restarts: 0,
        rollout: { state: "rolling", updated: 1, total: 3, waiting: ["e2"] },
      },
      {
        name: "web.toml",
        state: "running",
        copies: 1,
        emperors: [
          { node: "e2", state: "running", pid: 8, restarts: 1, health: "unhealthy", check: "HTTP 404", exit: "killed by SIGTERM" },
        ],
        restarts: 1,
      },
      {
        name: "sick.toml",
        state: "unhealthy",
        copies: 1,
        emperors: [{ node: "e1", state: "unhealthy", pid: 9, restarts: 0, health: "unhealthy", check: "HTTP 500" }],
        restarts: 0,
      },
    ],
    counters: {},
  } as unknown as ZeusStatus;
  const out = renderZeusStatus(s, 0);
  expect(out).toMatch(/^e1\s+yes \(draining\)\s+.*zone=a,ssd$/m);
  expect(out).toMatch(/^ghost\.toml\s+backoff\s+1\/1\s+e1\(-\):backoff\s+2\s+e1 backoff exit 127$/m);
  expect(out).toMatch(/^nowhere\.toml\s+pending\s+0\/1\s+-\s+0\s+no alive emperor meets constraint "zone=c"$/m);
  expect(out).toMatch(/^roll\.toml\s+updating\s+1\/3\s+e2\(7\),healthy\s+0\s+rollout: updated 1 of 3, waiting for e2$/m);
  expect(out).toMatch(/^web\.toml\s+running\s+1\/1\s+e2\(8\),unhealthy\s+1\s+e2 running check: HTTP 404$/m);
  // The state already says unhealthy: not repeated as the health.
  expect(out).toMatch(/^sick\.toml\s+unhealthy\s+\S+\s+e1\(9\):unhealthy\s/m);
});

test("several zeus: the leader, live standbys only, a silent leader and zeus that look gone, the state in etcd", () => {
  const now = Date.parse("2026-01-01T00:00:10.000Z");
  const c = (id: string, port: number) => ({ id, zeus: `10.0.0.${port}:4040`, since: "2026-01-01T00:00:00.000Z" });
  const s = haStatus({
    role: "standby",
    id: "b",
    leader: c("a", 1),
    leader_silent_s: 1,
    standbys: [c("b", 2)],
    stale: [{ ...c("c", 3), silent_s: 2 }],
    state: { vassals: 20, copies: 19, emperors: 3, revision: 57 },
  });
  const lines = renderZeusStatus(s, now).split("\n");
  expect(lines.slice(0, 4)).toEqual([
    "leader: a at 10.0.0.1:4040, leading since 2026-01-01T00:00:00.000Z (10.0 s ago); silent for over 1 s: a standby takes over when its lease expires",
    "standbys: b at 10.0.0.2:4040 (this zeus)",
    "gone? c at 10.0.0.3:4040 (silent for over 2 s): dropped when their leases expire",
    "state in etcd: 20 vassals, 19 copies, 3 emperors (revision 57)",
  ]);
});

test("zeus status names the state keys that hold no vassal", () => {
  const s = haStatus({
    role: "leader",
    id: "a",
    standbys: [],
    state: { vassals: 2, copies: 1, emperors: 1, revision: 9, unreadable: ["vassal/b.toml"] },
  });
  expect(renderZeusStatus(s, 0)).toContain(
    "state in etcd: 2 vassals, 1 copies, 1 emperors (revision 9); 1 key(s) that hold no vassal, which a takeover cannot restore: vassal/b.toml",
  );
});

test("a copy's last stderr line: beside its exit in the NOTE, and at the end of the reason when the vassal fails", () => {
  const f = fakeFleet(1e9);
  f.connect(1, "e1");
  f.core.fileSet("web.toml", new TextEncoder().encode('[vassal]\ncommand = "/usr/bin/python3"\n'));
  f.run(1, 10);
  const line = "OSError: [Errno 98] Address already in use";
  const say = (streak: number) =>
    f.core.message(1, {
      type: "VASSAL_STATE",
      name: "web.toml",
      state: "backoff",
      pid: 0,
      restarts: streak,
      exitCode: 1,
      streak,
      stderr: line,
    });
  say(1);
  const s = zeusStatus(f.core);
  expect(s.vassals[0]!.emperors[0]).toMatchObject({ state: "backoff", exit: "exit 1", stderr: line });
  expect(renderZeusStatus(s, 0)).toMatch(
    /^web\.toml\s+backoff\s+0\/1\s+e1\(-\):backoff\s+1\s+e1 backoff exit 1: OSError: \[Errno 98\] Address already in use$/m,
  );
  say(3);
  const failed = zeusStatus(f.core).vassals[0]!;
  expect(failed.state).toBe("failed");
  expect(failed.error).toBe(
    `backoff on e1 after exit 1 (3 quick deaths in a row); tried on e1, no other emperor may take it; last: exit 1: ${line}`,
  );
});
