import { expect, test } from "bun:test";
import fc from "fast-check";
import {
  LINK_EVENT_KINDS,
  LINK_STATES,
  type LinkEvent,
  type LinkEventKind,
  type LinkState,
  linkStep,
  shownState,
} from "../../lib/emperor/zeus_link_lifecycle.ts";
import { expectCells } from "../helpers/table_cells.ts";

const sample: { [K in LinkEventKind]: Extract<LinkEvent, { kind: K }> } = {
  start: { kind: "start" },
  up: { kind: "up" },
  "dial-failed": { kind: "dial-failed" },
  "not-leader": { kind: "not-leader", follow: true },
  "bad-input": { kind: "bad-input" },
  silent: { kind: "silent" },
  closed: { kind: "closed", redialNow: true },
  timer: { kind: "timer" },
  stop: { kind: "stop" },
};

const S = "stopped";
// Every state × event: the next state and the actions, in order ("-" = unexpected, a bug).
const expected: Record<LinkState, Record<LinkEventKind, [LinkState, string] | "-">> = {
  idle: {
    start: ["connecting", "dial"],
    up: "-",
    "dial-failed": "-",
    "not-leader": "-",
    "bad-input": "-",
    silent: "-",
    closed: "-",
    timer: "-",
    stop: [S, "halt"],
  },
  connecting: {
    start: "-",
    up: ["connected", "attach"],
    "dial-failed": ["waiting", "backoff"],
    "not-leader": "-",
    "bad-input": "-",
    silent: "-",
    closed: "-",
    timer: "-",
    stop: [S, "halt"],
  },
  connected: {
    start: "-",
    up: "-",
    "dial-failed": "-",
    "not-leader": ["redirecting", "close"],
    "bad-input": ["leaving", ""],
    silent: ["leaving", "close"],
    closed: ["waiting", "backoff"],
    timer: "-",
    stop: [S, "halt"],
  },
  leaving: {
    start: "-",
    up: "-",
    "dial-failed": "-",
    "not-leader": ["leaving", ""],
    "bad-input": ["leaving", ""],
    silent: ["leaving", ""],
    closed: ["waiting", "backoff"],
    timer: "-",
    stop: [S, "halt"],
  },
  redirecting: {
    start: "-",
    up: "-",
    "dial-failed": "-",
    "not-leader": ["redirecting", ""],
    "bad-input": ["redirecting", ""],
    silent: ["redirecting", ""],
    closed: ["waiting", "redial_now"],
    timer: "-",
    stop: [S, "halt"],
  },
  waiting: {
    start: "-",
    up: "-",
    "dial-failed": "-",
    "not-leader": "-",
    "bad-input": "-",
    silent: "-",
    closed: "-",
    timer: ["connecting", "dial"],
    stop: [S, "halt"],
  },
  stopped: {
    start: "-",
    up: [S, "drop_late"],
    "dial-failed": [S, ""],
    "not-leader": [S, ""],
    "bad-input": [S, ""],
    silent: [S, ""],
    closed: [S, ""],
    timer: [S, ""],
    stop: [S, ""],
  },
};

test("every state x event: the table's next state and actions, or unexpected", () => {
  expectCells(LINK_STATES, LINK_EVENT_KINDS, (s, k) => linkStep(s, sample[k]), expected);
});

test("a standby that names no leader is left for the next zeus; redirects that went round every zeus back off on the leader", () => {
  expect(linkStep("connected", { kind: "not-leader", follow: false })).toEqual({ next: "leaving", actions: [{ do: "close" }] });
  expect(linkStep("leaving", { kind: "closed", redialNow: false })!.actions).toEqual([{ do: "backoff", next: true }]);
  expect(linkStep("redirecting", { kind: "closed", redialNow: false })!.actions).toEqual([{ do: "backoff", next: false }]);
  expect(LINK_STATES.map(shownState)).toEqual(["connecting", "connecting", "connected", "connected", "connected", "waiting", "connecting"]);
});

const event: fc.Arbitrary<LinkEvent> = fc.oneof(
  ...LINK_EVENT_KINDS.map((k) => fc.constant(sample[k])),
  fc.constant<LinkEvent>({ kind: "not-leader", follow: false }),
  fc.constant<LinkEvent>({ kind: "closed", redialNow: false }),
);

test("property: one dial or wait at a time until stopped; once stopped, nothing but closing a late connection", () => {
  fc.assert(
    fc.property(fc.array(event, { maxLength: 40 }), (events) => {
      let state: LinkState = "idle";
      for (const e of events) {
        const step = linkStep(state, e);
        if (!step) continue;
        const did = step.actions.map((a) => a.do);
        if (state === "stopped") expect(did.every((d) => d === "drop_late")).toBe(true);
        // A dial starts only from idle or after a wait; a redial is always scheduled when a connection ends.
        if (did.includes("dial")) expect(["idle", "waiting"]).toContain(state);
        if (e.kind === "closed" && state !== "stopped") expect(step.next).toBe("waiting");
        if (step.next === "waiting") expect(did.some((d) => d === "backoff" || d === "redial_now")).toBe(true);
        state = step.next;
      }
    }),
    { numRuns: 2000 },
  );
});
