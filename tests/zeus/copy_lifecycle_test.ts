import { expect, test } from "bun:test";
import fc from "fast-check";
import {
  COPY_EVENT_KINDS,
  COPY_STATES,
  type CopyEvent,
  type CopyEventKind,
  type CopyNext,
  type CopyState,
  copyStep,
  placing,
} from "../../lib/zeus/copy_lifecycle.ts";

const sample: { [K in CopyEventKind]: Extract<CopyEvent, { kind: K }> } = {
  accepted: { kind: "accepted" },
  spawned: { kind: "spawned", pid: 7, restarts: 1 },
  reloaded: { kind: "reloaded", pid: 8, restarts: 2 },
  rejected: { kind: "rejected", reason: "no" },
  timeout: { kind: "timeout", reason: "late" },
  destroyed: { kind: "destroyed" },
  changed: { kind: "changed" },
  touched: { kind: "touched" },
  confirmed: { kind: "confirmed", pid: 9, restarts: 0, stale: false },
  lost: { kind: "lost" },
  removed: { kind: "removed" },
  reported: { kind: "reported", verdict: "backoff", why: "exit 127" },
  drain: { kind: "drain" },
  replaced: { kind: "replaced" },
  undrain: { kind: "undrain", verdict: "backoff", why: "exit 1" },
};

// Every state × event: the next state and the actions, in order ("-" = a protocol error).
const G = "gone";
const expected: Record<CopyState, Record<CopyEventKind, [CopyNext, string] | "-">> = {
  offered: {
    accepted: ["accepted", "send_config"],
    spawned: ["running", "spawned record save"],
    reloaded: ["running", "spawned record save"],
    rejected: [G, "reject forget"],
    timeout: [G, "reject send_destroy forget"],
    destroyed: [G, "forget"],
    changed: ["offered", ""],
    touched: ["offered", ""],
    confirmed: ["running", "record"],
    lost: [G, "forget"],
    removed: [G, "forget send_destroy"],
    reported: ["backoff", ""],
    drain: [G, "send_destroy forget"],
    replaced: "-",
    undrain: "-",
  },
  accepted: {
    accepted: "-",
    spawned: ["running", "spawned record save"],
    reloaded: ["running", "spawned record save"],
    rejected: [G, "reject forget"],
    timeout: [G, "reject send_destroy forget"],
    destroyed: [G, "forget"],
    changed: ["updating", "send_update"],
    touched: ["accepted", ""],
    confirmed: ["running", "record"],
    lost: [G, "forget"],
    removed: [G, "forget send_destroy"],
    reported: ["backoff", ""],
    drain: [G, "send_destroy forget"],
    replaced: "-",
    undrain: "-",
  },
  running: {
    accepted: "-",
    spawned: ["running", "record save"],
    reloaded: ["running", "record save"],
    rejected: [G, "reject send_destroy forget"],
    timeout: "-",
    destroyed: [G, "forget"],
    changed: ["updating", "send_update"],
    touched: ["reloading", "send_reload"],
    confirmed: ["running", "record"],
    lost: [G, "forget"],
    removed: [G, "forget send_destroy"],
    reported: ["backoff", ""],
    drain: ["moving", ""],
    replaced: "-",
    undrain: "-",
  },
  updating: {
    accepted: "-",
    spawned: ["running", "record save"],
    reloaded: ["running", "record save"],
    rejected: [G, "reject send_destroy forget"],
    timeout: "-",
    destroyed: [G, "forget"],
    changed: ["updating", "send_update"],
    touched: ["updating", ""],
    confirmed: ["running", "record"],
    lost: [G, "forget"],
    removed: [G, "forget send_destroy"],
    reported: ["backoff", ""],
    drain: ["moving", ""],
    replaced: "-",
    undrain: "-",
  },
  reloading: {
    accepted: "-",
    spawned: ["running", "record save"],
    reloaded: ["running", "record save"],
    rejected: [G, "reject send_destroy forget"],
    timeout: "-",
    destroyed: [G, "forget"],
    changed: ["updating", "send_update"],
    touched: ["reloading", ""],
    confirmed: ["running", "record"],
    lost: [G, "forget"],
    removed: [G, "forget send_destroy"],
    reported: ["backoff", ""],
    drain: ["moving", ""],
    replaced: "-",
    undrain: "-",
  },
  restored: {
    accepted: "-",
    spawned: "-",
    reloaded: "-",
    rejected: "-",
    timeout: "-",
    destroyed: "-",
    changed: ["restored", ""],
    touched: ["restored", ""],
    confirmed: ["running", "record"],
    lost: [G, "forget"],
    removed: [G, "forget send_destroy"],
    reported: "-",
    drain: "-",
    replaced: "-",
    undrain: "-",
  },
  backoff: {
    accepted: "-",
    spawned: ["running", "record save"],
    reloaded: ["running", "record save"],
    rejected: [G, "reject send_destroy forget"],
    timeout: "-",
    destroyed: [G, "forget"],
    changed: ["updating", "send_update"],
    touched: ["reloading", "send_reload"],
    confirmed: ["running", "record"],
    lost: [G, "forget"],
    removed: [G, "forget send_destroy"],
    reported: ["backoff", ""],
    drain: [G, "send_destroy forget"],
    replaced: "-",
    undrain: "-",
  },
  unhealthy: {
    accepted: "-",
    spawned: ["running", "record save"],
    reloaded: ["running", "record save"],
    rejected: [G, "reject send_destroy forget"],
    timeout: "-",
    destroyed: [G, "forget"],
    changed: ["updating", "send_update"],
    touched: ["reloading", "send_reload"],
    confirmed: ["running", "record"],
    lost: [G, "forget"],
    removed: [G, "forget send_destroy"],
    reported: ["backoff", ""],
    drain: [G, "send_destroy forget"],
    replaced: "-",
    undrain: "-",
  },
  stopped: {
    accepted: "-",
    spawned: ["running", "record save"],
    reloaded: ["running", "record save"],
    rejected: [G, "reject send_destroy forget"],
    timeout: "-",
    destroyed: [G, "forget"],
    changed: ["updating", "send_update"],
    touched: ["reloading", "send_reload"],
    confirmed: ["running", "record"],
    lost: [G, "forget"],
    removed: [G, "forget send_destroy"],
    reported: ["backoff", ""],
    drain: [G, "send_destroy forget"],
    replaced: "-",
    undrain: "-",
  },
  moving: {
    accepted: "-",
    spawned: ["moving", "record"],
    reloaded: ["moving", "record"],
    rejected: [G, "reject send_destroy forget"],
    timeout: "-",
    destroyed: [G, "forget"],
    changed: ["moving", "send_update"],
    touched: ["moving", "send_reload"],
    confirmed: ["moving", "record"],
    lost: [G, "forget"],
    removed: [G, "forget send_destroy"],
    reported: ["moving", ""],
    drain: "-",
    replaced: [G, "send_destroy forget"],
    undrain: ["backoff", ""],
  },
};

test("every state x event: the table's next state and actions, or a protocol error", () => {
  expect(Object.keys(expected).sort()).toEqual([...COPY_STATES].sort());
  for (const state of COPY_STATES) {
    for (const kind of COPY_EVENT_KINDS) {
      const step = copyStep(state, sample[kind]);
      const got = step ? ([step.next, step.actions.map((a) => a.do).join(" ")] as const) : "-";
      expect({ state, kind, got }).toEqual({ state, kind, got: expected[state][kind] });
    }
  }
});

test("a stale confirmed copy is updated at once; pids and restarts are the emperor's", () => {
  expect(copyStep("restored", { kind: "confirmed", pid: 5, restarts: 3, stale: true })).toEqual({
    next: "updating",
    actions: [{ do: "record", pid: 5, restarts: 3 }, { do: "send_update" }],
  });
  expect(copyStep("offered", { kind: "spawned", pid: 42, restarts: 0 })!.actions).toContainEqual({ do: "spawned", pid: 42 });
  expect(copyStep("accepted", { kind: "rejected", reason: "bad config" })!.actions[0]).toEqual({ do: "reject", reason: "bad config" });
});

test("reports: a running copy follows its emperor's verdict; past the bound it is rescheduled and destroyed", () => {
  const r = (verdict: "ok" | "backoff" | "unhealthy" | "halted" | "exhausted") => ({ kind: "reported" as const, verdict, why: "exit 127" });
  expect(copyStep("running", r("ok"))).toEqual({ next: "running", actions: [] });
  expect(copyStep("updating", r("ok"))!.next).toBe("updating");
  expect(copyStep("running", r("unhealthy"))!.next).toBe("unhealthy");
  expect(copyStep("running", r("halted"))!.next).toBe("stopped");
  expect(copyStep("backoff", r("ok"))!.next).toBe("running");
  expect(copyStep("unhealthy", r("backoff"))!.next).toBe("backoff");
  expect(copyStep("backoff", r("exhausted"))).toEqual({
    next: "gone",
    actions: [{ do: "reschedule", why: "exit 127" }, { do: "send_destroy" }, { do: "forget" }],
  });
  expect(copyStep("moving", r("exhausted"))!.actions.map((a) => a.do)).toEqual(["send_destroy", "forget"]);
});

test("undrain: a moving copy goes back to what its emperor last reported, running only when that was well", () => {
  const u = (verdict: "ok" | "backoff" | "unhealthy" | "halted") => copyStep("moving", { kind: "undrain", verdict, why: "" })!.next;
  expect([u("ok"), u("backoff"), u("unhealthy"), u("halted")]).toEqual(["running", "backoff", "unhealthy", "stopped"]);
});

test("placing follows the table: the states whose answer may time out", () => {
  expect(COPY_STATES.filter(placing)).toEqual(["offered", "accepted"]);
});

const event: fc.Arbitrary<CopyEvent> = fc.oneof(
  ...COPY_EVENT_KINDS.map((k) => fc.constant(sample[k])),
  fc.record({ kind: fc.constant("confirmed" as const), pid: fc.nat(), restarts: fc.nat(), stale: fc.boolean() }),
);

test("property: along any walk, a copy leaves only by forget, and one its emperor may run is destroyed unless the emperor says it is gone", () => {
  fc.assert(
    fc.property(fc.constantFrom<CopyState>("offered", "restored"), fc.array(event, { maxLength: 30 }), (start, events) => {
      let state: CopyState = start;
      /** Whether the emperor may run (or start) a process for this copy. */
      let mayRun = start === "restored";
      for (const e of events) {
        const step = copyStep(state, e);
        if (!step) continue; // a protocol error: nothing changes
        const did = step.actions.map((a) => a.do);
        expect(did.includes("forget")).toBe(step.next === "gone");
        if (did.includes("send_config") || did.includes("send_update")) mayRun = true;
        if (e.kind === "spawned" || e.kind === "reloaded" || e.kind === "confirmed") mayRun = true;
        if (step.next === "gone") {
          const emperorSaysGone = e.kind === "destroyed" || e.kind === "lost" || (e.kind === "rejected" && placing(state));
          if (mayRun && !emperorSaysGone) expect(did).toContain("send_destroy");
          return;
        }
        state = step.next;
        expect(COPY_STATES).toContain(state);
      }
    }),
    { numRuns: 2000 },
  );
});
