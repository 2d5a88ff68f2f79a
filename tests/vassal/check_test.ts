import { expect, test } from "bun:test";
import { CHECK_KEYS_INI, CHECK_KEYS_TOML, checkConfig, parseCheckTarget } from "../../lib/vassal/check.ts";

test("check targets: http, tcp, exec", () => {
  expect(parseCheckTarget("http://127.0.0.1:8001/health")).toEqual({ kind: "http", url: "http://127.0.0.1:8001/health" });
  expect(parseCheckTarget("tcp://127.0.0.1:8001")).toEqual({ kind: "tcp", host: "127.0.0.1", port: 8001 });
  expect(parseCheckTarget("tcp://[::1]:8001")).toEqual({ kind: "tcp", host: "::1", port: 8001 });
  expect(parseCheckTarget("exec:/usr/local/bin/check-app --quick")).toEqual({
    kind: "exec",
    command: "/usr/local/bin/check-app",
    args: ["--quick"],
  });
  for (const bad of ["", "exec:", "tcp://127.0.0.1", "tcp://h:1/path", "ftp://x/", "127.0.0.1:80"])
    expect(parseCheckTarget(bad)).toHaveProperty("error");
});

test("settings: defaults, seconds as fractions, each bad one named", () => {
  expect(checkConfig({}, CHECK_KEYS_TOML)).toBeUndefined();
  expect(checkConfig({ check: "tcp://127.0.0.1:1" }, CHECK_KEYS_TOML)).toEqual({
    text: "tcp://127.0.0.1:1",
    target: { kind: "tcp", host: "127.0.0.1", port: 1 },
    intervalMs: 10_000,
    timeoutMs: 2000,
    graceMs: 10_000,
    failures: 3,
  });
  expect(checkConfig({ check: "tcp://127.0.0.1:1", interval: 0.2, grace: 0, failures: 2 }, CHECK_KEYS_TOML)).toMatchObject({
    intervalMs: 200,
    graceMs: 0,
    failures: 2,
  });
  expect(checkConfig({ interval: 1 }, CHECK_KEYS_TOML)).toEqual({ error: "check_interval needs check", key: "interval" });
  expect(checkConfig({ check: "tcp://127.0.0.1:1", timeout: 0 }, CHECK_KEYS_INI)).toEqual({
    error: "zeus-check-timeout must be a number of seconds from 0.01 to 86400, got 0",
    key: "timeout",
  });
  expect(checkConfig({ check: "tcp://127.0.0.1:1", failures: 1.5 }, CHECK_KEYS_TOML)).toHaveProperty("key", "failures");
  expect(checkConfig({ check: "nope" }, CHECK_KEYS_TOML)).toHaveProperty("key", "check");
});
