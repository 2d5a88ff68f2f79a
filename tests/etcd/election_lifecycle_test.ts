import { expect, test } from "bun:test";
import fc from "fast-check";
import {
  ELECTION_EVENT_KINDS,
  ELECTION_STATES,
  type ElectionEvent,
  type ElectionEventKind,
  type ElectionState,
  electionStep,
} from "../../lib/etcd/election_lifecycle.ts";
import { expectCells } from "../helpers/table_cells.ts";

const sample: { [K in ElectionEventKind]: Extract<ElectionEvent, { kind: K }> } = {
  start: { kind: "start" },
  won: { kind: "won" },
  lost: { kind: "lost", why: "the lease could not be renewed in time" },
  stop: { kind: "stop" },
};

// Every state × event: the next state and the actions, in order ("-" = unexpected, a bug).
const expected: Record<ElectionState, Record<ElectionEventKind, [ElectionState, string] | "-">> = {
  idle: { start: ["standby", "campaign"], won: "-", lost: ["idle", ""], stop: ["stopped", "halt"] },
  standby: { start: "-", won: ["leader", "lead"], lost: ["standby", ""], stop: ["stopped", "halt"] },
  leader: { start: "-", won: "-", lost: ["standby", "step_down"], stop: ["stopped", "halt"] },
  stopped: { start: "-", won: ["stopped", ""], lost: ["stopped", ""], stop: ["stopped", ""] },
};

test("every state x event: the table's next state and actions, or unexpected", () => {
  expectCells(ELECTION_STATES, ELECTION_EVENT_KINDS, (s, k) => electionStep(s, sample[k]), expected);
});

test("stepping down says why", () => {
  expect(electionStep("leader", { kind: "lost", why: "etcd says the lease expired" })!.actions).toEqual([
    { do: "step_down", why: "etcd says the lease expired" },
  ]);
});

test("property: the listener hears leader and standby in turn, never twice the same; nothing is heard after the stop", () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...ELECTION_EVENT_KINDS.map((k) => sample[k])), { maxLength: 30 }), (events) => {
      let state: ElectionState = "idle";
      const heard: string[] = [];
      for (const e of events) {
        const step = electionStep(state, e);
        if (!step) continue;
        for (const a of step.actions) {
          if (a.do === "lead" || a.do === "step_down") {
            expect(state).not.toBe("stopped");
            heard.push(a.do);
          }
        }
        state = step.next;
      }
      heard.forEach((h, i) => expect(h).toBe(i % 2 === 0 ? "lead" : "step_down"));
    }),
    { numRuns: 1000 },
  );
});
