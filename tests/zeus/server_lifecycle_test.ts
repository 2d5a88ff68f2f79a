import { expect, test } from "bun:test";
import fc from "fast-check";
import { expectCells } from "../helpers/table_cells.ts";
import {
  SERVER_EVENT_KINDS,
  SERVER_STATES,
  type ServerEvent,
  type ServerEventKind,
  type ServerState,
  serverStep,
} from "../../lib/zeus/server_lifecycle.ts";

const sample: { [K in ServerEventKind]: Extract<ServerEvent, { kind: K }> } = {
  elected: { kind: "elected" },
  loaded: { kind: "loaded", canAct: true },
  "load-failed": { kind: "load-failed", why: "etcd is down" },
  deposed: { kind: "deposed" },
  stop: { kind: "stop" },
  flushed: { kind: "flushed" },
};

// Every state × event: the next state and the actions, in order ("-" = unexpected, a bug).
const expected: Record<ServerState, Record<ServerEventKind, [ServerState, string] | "-">> = {
  standby: {
    elected: ["taking-over", "load_state"],
    loaded: ["standby", ""],
    "load-failed": ["standby", ""],
    deposed: ["standby", ""],
    stop: ["stopped", "shut_down"],
    flushed: "-",
  },
  "taking-over": {
    elected: ["taking-over", ""],
    loaded: ["leading", "begin_term"],
    "load-failed": ["standby", "step_down"],
    deposed: ["standby", ""],
    stop: ["stopped", "shut_down"],
    flushed: "-",
  },
  leading: {
    elected: ["leading", ""],
    loaded: ["leading", ""],
    "load-failed": ["leading", ""],
    deposed: ["standby", "end_term"],
    stop: ["stopping", "flush"],
    flushed: "-",
  },
  stopping: {
    elected: ["stopping", ""],
    loaded: ["stopping", ""],
    "load-failed": ["stopping", ""],
    deposed: ["stopping", ""],
    stop: ["stopping", ""],
    flushed: ["stopped", "shut_down"],
  },
  stopped: {
    elected: ["stopped", ""],
    loaded: ["stopped", ""],
    "load-failed": ["stopped", ""],
    deposed: ["stopped", ""],
    stop: ["stopped", ""],
    flushed: "-",
  },
};

test("every state x event: the table's next state and actions, or unexpected", () => {
  expectCells(SERVER_STATES, SERVER_EVENT_KINDS, (s, k) => serverStep(s, sample[k]), expected);
});

test("a state read after the lease was lost begins no term; a failed load steps down, saying why", () => {
  expect(serverStep("taking-over", { kind: "loaded", canAct: false })).toEqual({ next: "standby", actions: [] });
  expect(serverStep("taking-over", { kind: "load-failed", why: "no etcd" })!.actions).toEqual([{ do: "step_down", why: "no etcd" }]);
});

const event: fc.Arbitrary<ServerEvent> = fc.oneof(
  ...SERVER_EVENT_KINDS.map((k) => fc.constant(sample[k])),
  fc.constant<ServerEvent>({ kind: "loaded", canAct: false }),
);

test("property: terms begin and end in turn, only one at a time; stop shuts down once, after the state is flushed if a term ran", () => {
  fc.assert(
    fc.property(fc.array(event, { maxLength: 40 }), (events) => {
      let state: ServerState = "standby";
      let terms = 0;
      let shutDowns = 0;
      let flushed = true;
      for (const e of events) {
        const step = serverStep(state, e);
        if (!step) continue; // unexpected: nothing changes
        for (const a of step.actions) {
          if (a.do === "begin_term") expect(++terms).toBe(1);
          if (a.do === "end_term") expect(--terms).toBe(0);
          if (a.do === "flush") flushed = false;
          if (a.do === "shut_down") {
            expect(flushed || e.kind === "flushed").toBe(true);
            shutDowns++;
          }
        }
        // A term runs exactly while leading, or while saving before the stop (until deposed).
        if (step.next === "leading") expect(terms).toBe(1);
        if (step.next === "standby" || step.next === "taking-over" || step.next === "stopped")
          expect(terms === 0 || step.next === "stopped").toBe(true);
        state = step.next;
      }
      expect(shutDowns).toBe(state === "stopped" ? 1 : 0);
    }),
    { numRuns: 2000 },
  );
});
