import { expect, test } from "bun:test";
import { renderEmperorStatus } from "../../lib/emperor/status_command.ts";

const iso = (ms: number) => new Date(ms).toISOString();

test("the status table shows each vassal, its last exit and how long it has been in its state", () => {
  const now = 1_000_000;
  const text = renderEmperorStatus(
    {
      vassals: [
        { name: "app.ini", kind: "uwsgi", state: "running", pid: 42, restarts: 0, since: iso(now - 3_700_000) },
        {
          name: "crash.toml",
          kind: "plain",
          state: "backoff",
          restarts: 3,
          last_exit: { code: 1, signal: null, at: iso(now - 2000) },
          since: iso(now - 2000),
        },
        {
          name: "kill.toml",
          kind: "plain",
          state: "starting",
          pid: 7,
          restarts: 1,
          last_exit: { code: null, signal: "SIGKILL", at: iso(now - 90_000) },
          since: iso(now),
        },
      ],
    },
    now,
  );
  expect(text).toBe(
    [
      "VASSAL      KIND   STATE     HEALTH  PID  RESTARTS  LAST EXIT       FOR",
      "app.ini     uwsgi  running   -       42   0         -               1h",
      "crash.toml  plain  backoff   -       -    3         code 1 2s ago   2s",
      "kill.toml   plain  starting  -       7    1         SIGKILL 1m ago  0s",
      "",
    ].join("\n"),
  );
});

test("files whose config was rejected are listed under the table with their reason", () => {
  const text = renderEmperorStatus(
    { vassals: [], rejected: [{ name: "bad.toml", reason: 'bad.toml:3: [vassal] has unknown key "x"' }] },
    0,
  );
  expect(text).toBe(
    'VASSAL  KIND  STATE  HEALTH  PID  RESTARTS  LAST EXIT  FOR\n\nfiles with errors (not running):\n  bad.toml:3: [vassal] has unknown key "x"\n',
  );
});

test("a vassal's health is a column; one a lone emperor stopped restarting is listed with why", () => {
  const now = 1_000_000;
  const check = (state: string) => ({ target: "tcp://127.0.0.1:9", state, failing: 0, failures_total: 6 });
  const text = renderEmperorStatus(
    {
      vassals: [
        { name: "ok.toml", kind: "plain", state: "running", pid: 5, restarts: 0, since: iso(now), check: check("healthy") },
        {
          name: "sick.toml",
          kind: "plain",
          state: "backoff",
          restarts: 1,
          since: iso(now),
          check: check("unhealthy"),
          unhealthy_restarts: 1,
        },
        {
          name: "dead.toml",
          kind: "plain",
          state: "failed",
          restarts: 3,
          since: iso(now),
          check: check("unhealthy"),
          failed: "unhealthy 3 times in a row, the last check: ECONNREFUSED",
        },
      ],
    },
    now,
  );
  expect(text).toBe(
    [
      "VASSAL     KIND   STATE    HEALTH     PID  RESTARTS  LAST EXIT  FOR",
      "ok.toml    plain  running  healthy    5    0         -          0s",
      "sick.toml  plain  backoff  unhealthy  -    1         -          0s",
      "dead.toml  plain  failed   unhealthy  -    3         -          0s",
      "",
      "failed (not restarted until the file changes or emperor restart NAME):",
      "  dead.toml: unhealthy 3 times in a row, the last check: ECONNREFUSED",
      "",
    ].join("\n"),
  );
});

test("a vassal's last stderr line stands beside its last exit", () => {
  const now = Date.parse("2026-01-01T00:00:10.000Z");
  const iso = (ms: number) => new Date(ms).toISOString();
  const text = renderEmperorStatus(
    {
      vassals: [
        {
          name: "web.toml",
          kind: "plain",
          state: "backoff",
          restarts: 2,
          last_exit: { code: 1, signal: null, at: iso(now - 2000), line: "OSError: [Errno 98] Address already in use" },
          since: iso(now - 2000),
        },
      ],
    },
    now,
  );
  expect(text).toContain("code 1 2s ago: OSError: [Errno 98] Address already in use");
});

test("under zeus, a line on the link comes first: how long it has been connected, or why it is not", () => {
  const now = 1_000_000;
  const up = renderEmperorStatus(
    { vassals: [], zeus: { zeus: "10.0.0.1:4040", state: "connected", connected_since: iso(now - 300_000) } },
    now,
  );
  expect(up.split("\n")[0]).toBe("zeus 10.0.0.1:4040: connected for 5m");
  const down = renderEmperorStatus(
    { vassals: [], zeus: { zeus: "10.0.0.1:4040", state: "waiting", last_error: "10.0.0.1:4040: this zeus speaks TLS: ..." } },
    now,
  );
  expect(down.split("\n").slice(0, 2)).toEqual([
    "zeus 10.0.0.1:4040: not connected (waiting): 10.0.0.1:4040: this zeus speaks TLS: ...",
    "VASSAL  KIND  STATE  HEALTH  PID  RESTARTS  LAST EXIT  FOR",
  ]);
});
