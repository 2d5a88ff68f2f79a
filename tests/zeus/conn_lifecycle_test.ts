import { expect, test } from "bun:test";
import fc from "fast-check";
import { expectCells } from "../helpers/table_cells.ts";
import {
  CONN_EVENT_KINDS,
  CONN_ROLES,
  type ConnEvent,
  type ConnEventKind,
  type ConnRole,
  connStep,
} from "../../lib/zeus/conn_lifecycle.ts";

const sample: { [K in ConnEventKind]: Extract<ConnEvent, { kind: K }> } = {
  hello: { kind: "hello" },
  spoke: { kind: "spoke", leading: true },
  "bad-input": { kind: "bad-input", leading: true, reason: "bad packet" },
  bug: { kind: "bug", reason: "TypeError" },
  dropped: { kind: "dropped", reason: "no I_AM_ALIVE for 5.0 s" },
  deposed: { kind: "deposed" },
  closed: { kind: "closed", reason: "connection closed" },
  abandoned: { kind: "abandoned" },
};

const C = "closed";
// Every role × event: the next role and the actions, in order ("-" = unexpected, a bug).
const expected: Record<ConnRole, Record<ConnEventKind, [ConnRole, string] | "-">> = {
  stranger: {
    hello: ["admin", ""],
    spoke: ["emperor", "admit_emperor"],
    "bad-input": [C, "admit_emperor protocol_error close"],
    bug: [C, "close"],
    dropped: "-",
    deposed: "-",
    closed: [C, ""],
    abandoned: [C, ""],
  },
  emperor: {
    hello: "-",
    spoke: "-",
    "bad-input": [C, "protocol_error close"],
    bug: [C, "emperor_lost close"],
    dropped: [C, "close"],
    deposed: [C, "not_leader close"],
    closed: [C, "emperor_lost"],
    abandoned: [C, ""],
  },
  admin: {
    hello: "-",
    spoke: "-",
    "bad-input": [C, "tell_admin admin_gone close"],
    bug: [C, "admin_gone close"],
    dropped: [C, "admin_gone close"],
    deposed: "-",
    closed: [C, "admin_gone"],
    abandoned: [C, ""],
  },
  closed: {
    hello: "-",
    spoke: "-",
    "bad-input": [C, ""],
    bug: [C, ""],
    dropped: [C, ""],
    deposed: [C, ""],
    closed: [C, ""],
    abandoned: [C, ""],
  },
};

test("every role x event: the table's next role and actions, or unexpected", () => {
  expectCells(CONN_ROLES, CONN_EVENT_KINDS, (s, k) => connStep(s, sample[k]), expected);
});

test("a standby sends an emperor to the leader, even one whose first bytes are garbage", () => {
  expect(connStep("stranger", { kind: "spoke", leading: false })).toEqual({ next: C, actions: [{ do: "not_leader" }, { do: "close" }] });
  expect(connStep("stranger", { kind: "bad-input", leading: false, reason: "x" })).toEqual({
    next: C,
    actions: [{ do: "not_leader" }, { do: "close" }],
  });
});

const event: fc.Arbitrary<ConnEvent> = fc.oneof(
  ...CONN_EVENT_KINDS.map((k) => fc.constant(sample[k])),
  fc.constant<ConnEvent>({ kind: "spoke", leading: false }),
  fc.constant<ConnEvent>({ kind: "bad-input", leading: false, reason: "x" }),
);

test("property: a term forgets an emperor's connection exactly once, the hub an admin's; nothing happens after closed", () => {
  fc.assert(
    fc.property(fc.array(event, { maxLength: 20 }), (events) => {
      let role: ConnRole = "stranger";
      let joined = 0;
      /** Times the term let go of it: it noticed (lost, protocol error) or closed it itself (dropped, deposed). */
      let left = 0;
      let hubGone = 0;
      let abandoned = false;
      for (const e of events) {
        const step = connStep(role, e);
        if (!step) continue;
        const did = step.actions.map((a) => a.do);
        if (role === "closed") expect(did).toEqual([]);
        if (did.includes("admit_emperor")) joined++;
        if (did.includes("emperor_lost") || did.includes("protocol_error")) left++;
        if (role === "emperor" && (e.kind === "dropped" || e.kind === "deposed")) left++;
        if (e.kind === "abandoned" && role !== "closed") abandoned = true;
        hubGone += did.filter((d) => d === "admin_gone").length;
        if (role === "admin" && step.next === "closed" && !abandoned) expect(hubGone).toBe(1);
        role = step.next;
      }
      expect(joined).toBeLessThanOrEqual(1);
      if (role === "closed" && joined === 1 && !abandoned) expect(left).toBe(1);
      expect(left).toBeLessThanOrEqual(joined);
    }),
    { numRuns: 2000 },
  );
});
