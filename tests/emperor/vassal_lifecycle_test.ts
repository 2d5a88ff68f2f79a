// The vassal lifecycle table alone: every phase x input, and walks through it.
import { expect, test } from "bun:test";
import fc from "fast-check";
import { Throttle } from "../../lib/emperor/throttle.ts";
import { vassalStep } from "../../lib/emperor/vassal_lifecycle.ts";
import {
  type Action,
  HAS_PROCESS,
  type Phase,
  PHASES,
  PUBLIC_STATE,
  type VassalFacts,
  type VassalInput,
} from "../../lib/emperor/vassal_phases.ts";
import { parseVassalConfig, type VassalConfig } from "../../lib/vassal/mod.ts";

const plain = parseVassalConfig("p.toml", '[vassal]\ncommand = "sleep"\nstop_timeout = 3\n');
const uwsgi = parseVassalConfig("u.ini", "[uwsgi]\n");

const inputs = (config: VassalConfig): VassalInput[] => [
  { kind: "start" },
  { kind: "started", pid: 7 },
  { kind: "byte_spawned" },
  { kind: "byte_accepting" },
  { kind: "heartbeat" },
  { kind: "voluntary_shutdown" },
  { kind: "byte_other" },
  { kind: "reload" },
  { kind: "update", config },
  { kind: "unhealthy" },
  { kind: "healthy" },
  { kind: "destroy" },
  { kind: "exited", code: 1, signal: null },
  { kind: "backoff_timer" },
  { kind: "kill_timer" },
  { kind: "heartbeat_timer" },
  { kind: "accepting_timer" },
  { kind: "started_timer" },
];

const facts = (config: VassalConfig): VassalFacts => ({
  name: "v",
  config,
  pid: 7,
  restarts: 0,
  lastExit: undefined,
  throttle: new Throttle(),
  announced: true,
  reloadPending: false,
  reloadAgain: false,
  lateAccepting: false,
  startMs: 0,
  unhealthyStreak: 0,
  unhealthyBound: undefined,
});

// Next phase of each phase on each input, in the order of inputs(): "=" stays, "-" is a
// protocol error (one `unexpected` action, nothing else). The rows both kinds share:
const SHARED = {
  new: "starting - = = = = = starting starting = = stopped - - = = = =",
  restarting: "- = = = = = = = = = = destroying starting - = = = =",
  unhealthy: "- = = = = = = = = = = destroying starting - = = = =",
  destroying: "- = = = = = = = = = = = stopped - = = = =",
  shutting: "- = = = = = = = = = = destroying resting - = = = =",
  backoff: "- - = = = = = starting starting = = stopped - starting = = = =",
  resting: "- - = = = = = starting starting = = stopped - - = = = =",
  failed: "- - = = = = = starting starting = = stopped - - = = = =",
  stopped: "- - = = = = = = = = = = - - = = = =",
};
const PLAIN: Record<Phase, string> = {
  ...SHARED,
  starting: "- running running running = shutting = restarting restarting = = destroying backoff - = = = running",
  running: "- = = = = shutting = restarting restarting unhealthy = destroying backoff - = = = =",
  reloading: "- running running running = shutting = restarting restarting = = destroying backoff - = = = running",
};
const UWSGI: Record<Phase, string> = {
  ...SHARED,
  starting: "- = running running = shutting = = = = = destroying backoff - = = = =",
  running: "- = = = = shutting = reloading reloading unhealthy = destroying backoff - = = = =",
  reloading: "- = running running = shutting = = = = = destroying backoff - = = = =",
};

for (const [kind, config, table] of [
  ["plain", plain, PLAIN],
  ["uWSGI", uwsgi, UWSGI],
] as [string, VassalConfig, Record<Phase, string>][]) {
  test(`every phase x input of a ${kind} vassal: the next phase, or a protocol error`, () => {
    expect(Object.keys(table).sort()).toEqual([...PHASES].sort());
    for (const phase of PHASES) {
      const got = inputs(config).map((input) => {
        const f = facts(config);
        const s = vassalStep(f, phase, input, 1000);
        if (s.actions.some((a) => a.do === "unexpected")) {
          expect(s).toEqual({ next: phase, actions: [{ do: "unexpected", input: input.kind, phase }], keepSince: true, facts: f });
          return "-";
        }
        return s.next === phase ? "=" : s.next;
      });
      expect({ phase, row: got.join(" ") }).toEqual({ phase, row: table[phase] });
    }
  });
}

test("with a start grace, a plain vassal is running only once it stayed up; one that dies first never was", () => {
  const f = { ...facts(plain), announced: false, pid: undefined, startMs: 500 };
  const started = vassalStep(f, "starting", { kind: "started", pid: 9 }, 0);
  expect(started).toEqual({
    next: "starting",
    actions: [{ do: "timer", timer: "started", ms: 500 }],
    keepSince: true,
    facts: { ...f, pid: 9 },
  });
  const died = vassalStep(started.facts, "starting", { kind: "exited", code: 127, signal: null }, 10);
  expect(died.next).toBe("backoff");
  expect(died.actions).toContainEqual({ do: "cancel", timer: "started" });
  expect(died.actions.some((a) => a.do === "emit" && a.event.type === "spawned")).toBe(false);
  const up = vassalStep(started.facts, "starting", { kind: "started_timer" }, 500);
  expect(up).toEqual({
    next: "running",
    actions: [{ do: "emit", event: { type: "spawned", name: "v", pid: 9 } }],
    facts: { ...started.facts, announced: true },
  });
});

test("a vassal's own start_grace wins over the emperor's default, both ways", () => {
  const own = (grace: number) => parseVassalConfig("p.toml", `[vassal]\ncommand = "sleep"\nstart_grace = ${grace}\n`);
  const longer = { ...facts(own(3)), announced: false, pid: undefined, startMs: 500 };
  expect(vassalStep(longer, "starting", { kind: "started", pid: 9 }, 0).actions).toEqual([{ do: "timer", timer: "started", ms: 3000 }]);
  const none = { ...facts(own(0)), announced: false, pid: undefined, startMs: 500 };
  expect(vassalStep(none, "starting", { kind: "started", pid: 9 }, 0)).toMatchObject({ next: "running" });
  // Set by the vassal even where the emperor has no default (a lone emperor).
  const alone = { ...facts(own(1.5)), announced: false, pid: undefined, startMs: 0 };
  expect(vassalStep(alone, "starting", { kind: "started", pid: 9 }, 0).actions).toEqual([{ do: "timer", timer: "started", ms: 1500 }]);
  const died = vassalStep({ ...alone, pid: 9 }, "starting", { kind: "exited", code: 1, signal: null }, 10);
  expect(died.actions).toContainEqual({ do: "cancel", timer: "started" });
});

test("every phase has a public state; the ones with a process are the ones that can exit", () => {
  for (const phase of PHASES) {
    expect(PUBLIC_STATE[phase]).toBeDefined();
    const exit = vassalStep(facts(plain), phase, { kind: "exited", code: 0, signal: null }, 0);
    expect(exit.actions.some((a) => a.do === "unexpected")).toBe(!HAS_PROCESS.has(phase));
  }
});

/** Any input but "started" and "exited", which the walk feeds as the process does. */
const driven: fc.Arbitrary<VassalInput> = fc.constantFrom<VassalInput>(
  { kind: "byte_spawned" },
  { kind: "byte_accepting" },
  { kind: "heartbeat" },
  { kind: "voluntary_shutdown" },
  { kind: "byte_other" },
  { kind: "reload" },
  { kind: "update", config: plain },
  { kind: "update", config: parseVassalConfig("p.toml", '[vassal]\ncommand = "sleep"\nargs = ["1"]\n') },
  { kind: "unhealthy" },
  { kind: "healthy" },
  { kind: "destroy" },
  { kind: "backoff_timer" },
  { kind: "kill_timer" },
  { kind: "heartbeat_timer" },
  { kind: "accepting_timer" },
);
type Step = { input: VassalInput } | { exit: true };
const step: fc.Arbitrary<Step> = fc.oneof(
  driven.map((input) => ({ input })),
  fc.constant({ exit: true as const }),
);

test("property: one process at most, exactly while the phase has one; destroyed once, and nothing starts after it; the facts given are never changed", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(plain, uwsgi),
      fc.constantFrom(undefined, 0, 2),
      fc.array(step, { maxLength: 40 }),
      (config, bound, steps) => {
        // Frozen: a rule that changed the facts it was given instead of returning new ones would throw.
        let f: VassalFacts = Object.freeze({ ...facts(config), pid: undefined, announced: false, unhealthyBound: bound });
        let phase = "new" as Phase;
        let procs = 0;
        let destroyed = 0;
        const feed = (input: VassalInput, now: number) => {
          const s = vassalStep(f, phase, input, now);
          f = Object.freeze(s.facts);
          const launches = s.actions.filter((a) => a.do === "launch").length;
          expect(launches).toBeLessThanOrEqual(1);
          if (launches) expect(s.actions.at(-1)).toEqual({ do: "launch" }); // a launch ends its batch
          destroyed += s.actions.filter((a) => a.do === "emit" && a.event.type === "destroyed").length;
          if (destroyed) expect(launches).toBe(0);
          phase = s.next;
          if (launches) {
            expect(procs).toBe(0);
            procs = 1;
            feed({ kind: "started", pid: 100 + now }, now);
          }
          expect(HAS_PROCESS.has(phase)).toBe(procs === 1);
        };
        feed({ kind: "start" }, 0);
        steps.forEach((s, i) => {
          if ("input" in s) return feed(s.input, i + 1);
          if (procs === 0) return;
          procs = 0;
          feed({ kind: "exited", code: 1, signal: null }, i + 1);
        });
        expect(destroyed).toBeLessThanOrEqual(1);
        if (destroyed) expect(phase).toBe("stopped");
      },
    ),
    { numRuns: 3000 },
  );
});

/** Runs `phase` on `inputs` from `f`, each at `now`; the last step. */
function walk(f: VassalFacts, phase: Phase, inputs: VassalInput[], now = 0) {
  let s = { next: phase, actions: [] as Action[], facts: f };
  for (const input of inputs) s = vassalStep(s.facts, s.next, input, now);
  return s;
}

test("a lone emperor restarts an unhealthy vassal after the throttle's doubling delay, and at its bound it is failed until reloaded", () => {
  const lone = { ...facts(plain), unhealthyBound: 3 };
  const sick: VassalInput[] = [{ kind: "unhealthy" }, { kind: "exited", code: null, signal: "SIGTERM" }];
  const first = walk(lone, "running", sick);
  expect(first.next).toBe("backoff");
  expect(first.actions).toContainEqual({ do: "timer", timer: "backoff", ms: 1000 });
  expect(first.facts.unhealthyStreak).toBe(1);
  const again: VassalInput[] = [{ kind: "backoff_timer" }, { kind: "started", pid: 8 }, ...sick];
  const second = walk(first.facts, "backoff", again);
  expect(second.next).toBe("backoff");
  expect(second.actions).toContainEqual({ do: "timer", timer: "backoff", ms: 2000 });
  const third = walk(second.facts, "backoff", again);
  expect(third.next).toBe("failed");
  expect(third.actions).toContainEqual({ do: "emit", event: { type: "failed", name: "v", why: "unhealthy 3 times in a row" } });
  expect(third.actions.some((a) => a.do === "timer" || a.do === "launch")).toBe(false);
  // Its file changed (or emperor restart): it starts again, with a new streak.
  const back = walk(third.facts, "failed", [{ kind: "reload" }]);
  expect(back).toMatchObject({ next: "starting", actions: [{ do: "launch" }], facts: { unhealthyStreak: 0 } });
  // A passing check in between ends the streak: the next restart waits 1 s again.
  const healed = walk(second.facts, "backoff", [{ kind: "backoff_timer" }, { kind: "started", pid: 9 }, { kind: "healthy" }, ...sick]);
  expect(healed.next).toBe("backoff");
  expect(healed.actions).toContainEqual({ do: "timer", timer: "backoff", ms: 1000 });
});

test("under zeus (no bound) an unhealthy vassal starts again at once: zeus moves it past --reschedule-after", () => {
  const s = walk(facts(plain), "running", [{ kind: "unhealthy" }, { kind: "exited", code: null, signal: "SIGTERM" }]);
  expect(s.next).toBe("starting");
  expect(s.actions.at(-1)).toEqual({ do: "launch" });
  expect(s.facts.unhealthyStreak).toBe(0);
});

test("property: with a bound B, restarts for a failing check in a row never exceed B - 1 and their delays double from 1 s", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 6 }), fc.array(fc.boolean(), { maxLength: 30 }), (bound, healthyBetween) => {
      let s = walk({ ...facts(plain), unhealthyBound: bound }, "running", []);
      let inRow = 0;
      for (const healthy of healthyBetween) {
        if (s.next !== "running") break;
        if (healthy) inRow = 0;
        s = walk(s.facts, "running", [
          ...(healthy ? [{ kind: "healthy" } as const] : []),
          { kind: "unhealthy" },
          { kind: "exited", code: null, signal: "SIGTERM" },
        ]);
        inRow++;
        if (inRow >= bound) {
          expect(s.next).toBe("failed");
          break;
        }
        expect(s.next).toBe("backoff");
        expect(s.actions).toContainEqual({ do: "timer", timer: "backoff", ms: 1000 * 2 ** (inRow - 1) });
        s = walk(s.facts, "backoff", [{ kind: "backoff_timer" }, { kind: "started", pid: 9 }]);
      }
    }),
  );
});
