import { expect, test } from "bun:test";
import { exitText, judge, troubleText } from "../../lib/zeus/verdict.ts";

const r = { name: "a.toml", pid: 0, restarts: 1 };

test("reports are judged: running well, backoff, unhealthy, stopped; transitional states mean nothing yet", () => {
  expect(judge({ ...r, state: "running", pid: 5, health: "healthy" }, "e1", 0, 3)).toEqual({ verdict: "ok", why: "" });
  expect(judge({ ...r, state: "running", pid: 5, health: "unhealthy", check: "HTTP 500" }, "e1", 0, 3)).toEqual({
    verdict: "unhealthy",
    why: "unhealthy on e1: HTTP 500",
  });
  expect(judge({ ...r, state: "backoff", exitCode: 1, streak: 1 }, "e1", 0, 3)).toEqual({
    verdict: "backoff",
    why: "backoff on e1 after exit 1 (1 quick death in a row)",
  });
  expect(judge({ ...r, state: "stopped" }, "e1", 0, 3)!.verdict).toBe("halted");
  for (const state of ["starting", "reloading", "stopping"] as const) expect(judge({ ...r, state }, "e1", 0, 3)).toBeUndefined();
});

test("past the bound a copy is exhausted: quick deaths in a row, or restarts for a failing check", () => {
  expect(judge({ ...r, state: "backoff", exitSignal: "SIGSEGV", streak: 3 }, "e2", 0, 3)).toEqual({
    verdict: "exhausted",
    why: "backoff on e2 after being killed by SIGSEGV (3 quick deaths in a row)",
  });
  expect(judge({ ...r, state: "unhealthy", check: "ECONNREFUSED" }, "e2", 2, 3)!.verdict).toBe("unhealthy");
  expect(judge({ ...r, state: "unhealthy", check: "ECONNREFUSED" }, "e2", 3, 3)).toEqual({
    verdict: "exhausted",
    why: "unhealthy on e2: restarted 3 times for failing checks, last: ECONNREFUSED",
  });
  expect(exitText({})).toBe("");
});

test("a copy's trouble reads as one phrase with only what belongs to its state", () => {
  // A copy in backoff whose check last passed: the check result is not its trouble.
  expect(troubleText({ state: "backoff", exitCode: 3, streak: 3, check: "exit 0" })).toBe("backoff after exit 3 (3 quick deaths in a row)");
  expect(troubleText({ state: "backoff" }, "e1")).toBe("backoff on e1 (1 quick death in a row)");
  expect(troubleText({ state: "unhealthy", exitCode: 0, check: "HTTP 500" })).toBe("unhealthy: its check fails (HTTP 500)");
  expect(troubleText({ state: "stopped", exitCode: 0 })).toBe("stopped (exit 0)");
});
