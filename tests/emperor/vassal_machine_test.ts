// The vassal state machine alone: inputs in, actions out, no processes.
import { expect, test } from "bun:test";
import fc from "fast-check";
import { parseVassalConfig } from "../../lib/vassal/mod.ts";
import { type Action, VassalMachine } from "../../lib/emperor/vassal_machine.ts";

const plain = (extra = "") => parseVassalConfig("p.toml", `[vassal]\ncommand = "sleep"\nstop_timeout = 3\n${extra}`);
const uwsgi = parseVassalConfig("u.ini", "[uwsgi]\n");
const emitted = (acts: Action[]) => acts.flatMap((a) => (a.do === "emit" ? [a.event.type] : []));

test("plain: launch, running at start, spawned once; a crash backs off, a restart is not announced again", () => {
  const m = new VassalMachine("p.toml", plain(), 0);
  expect(m.start(0)).toEqual([{ do: "launch" }]);
  expect(m.started(1, 42)).toEqual([{ do: "emit", event: { type: "spawned", name: "p.toml", pid: 42 } }]);
  expect(m.status()).toEqual({ name: "p.toml", kind: "plain", state: "running", pid: 42, restarts: 0, since: 1 });
  expect(m.exited(500, 1, null)).toEqual([
    { do: "cancel", timer: "kill" },
    { do: "cancel", timer: "heartbeat" },
    { do: "cancel", timer: "accepting" },
    { do: "emit", event: { type: "exited", name: "p.toml", code: 1, signal: null } },
    { do: "timer", timer: "backoff", ms: 1000 },
  ]);
  expect(m.status()).toMatchObject({ state: "backoff", restarts: 1, lastExit: { code: 1, signal: null, at: 500 } });
  expect(m.timer(1500, "backoff")).toEqual([{ do: "launch" }]);
  expect(m.started(1500, 43)).toEqual([]);
  expect(m.status()).toMatchObject({ state: "running", pid: 43 });
});

test("plain restart rule: stop signal and kill timer, then launch, then reloaded", () => {
  const m = new VassalMachine("p.toml", plain(), 0);
  m.start(0);
  m.started(0, 42);
  expect(m.reload(10)).toEqual([
    { do: "signal", signal: "SIGTERM" },
    { do: "timer", timer: "kill", ms: 3000 },
  ]);
  expect(m.status().state).toBe("stopping");
  expect(m.reload(11)).toEqual([]); // already restarting
  expect(m.timer(3010, "kill")).toEqual([{ do: "kill_group", why: "stop_timeout" }]);
  expect(m.exited(3020, null, "SIGKILL").at(-1)).toEqual({ do: "launch" });
  expect(emitted(m.started(3020, 43))).toEqual(["reloaded"]);
});

test("plain signal rule: a signal and reloaded at once; an update changing the process restarts instead", () => {
  const m = new VassalMachine("p.toml", plain('reload = "signal:HUP"\n'), 0);
  m.start(0);
  m.started(0, 42);
  expect(m.reload(1)).toEqual([
    { do: "signal", signal: "SIGHUP" },
    { do: "emit", event: { type: "reloaded", name: "p.toml" } },
  ]);
  expect(m.update(2, plain('reload = "signal:HUP"\n'))).toEqual([
    { do: "signal", signal: "SIGHUP" },
    { do: "emit", event: { type: "reloaded", name: "p.toml" } },
  ]);
  expect(m.update(3, plain('reload = "signal:HUP"\nargs = ["9"]\n'))[0]).toEqual({ do: "signal", signal: "SIGTERM" });
  expect(m.status().state).toBe("stopping");
});

test("uWSGI: ready at 5; reload sends 1 and is done at the next 5; stop sends 0", () => {
  const m = new VassalMachine("u.ini", uwsgi, 0);
  m.start(0);
  expect(m.started(0, 7)).toEqual([]);
  expect(m.status().state).toBe("starting");
  expect(emitted(m.bytes(1, ["accepting"]))).toEqual(["spawned"]);
  expect(m.bytes(2, ["loyal"])).toEqual([]);
  expect(m.reload(3)).toEqual([{ do: "send", byte: 1 }]);
  expect(m.status().state).toBe("reloading");
  expect(emitted(m.bytes(4, ["accepting"]))).toEqual(["reloaded"]);
  expect(m.destroy(5)).toEqual([
    { do: "cancel", timer: "backoff" },
    { do: "send", byte: 0 },
    { do: "timer", timer: "kill", ms: 10_000 },
  ]);
  expect(emitted(m.exited(6, 0, null))).toEqual(["destroyed"]);
  expect(m.status().state).toBe("stopped");
  expect(m.reload(7)).toEqual([]);
});

test("uWSGI ready at 1: a reload waits for this exec's 5 (or 5 s), so no 5 is ambiguous", () => {
  const m = new VassalMachine("u.ini", uwsgi, 0);
  m.start(0);
  m.started(0, 7);
  expect(m.bytes(1, ["spawned"])).toEqual([
    { do: "timer", timer: "accepting", ms: 5000 },
    { do: "emit", event: { type: "spawned", name: "u.ini", pid: 7 } },
  ]);
  expect(m.status().state).toBe("running");
  expect(m.reload(2)).toEqual([]);
  expect(m.bytes(3, ["accepting"])).toEqual([
    { do: "cancel", timer: "accepting" },
    { do: "send", byte: 1 },
  ]);
  expect(emitted(m.bytes(4, ["accepting"]))).toEqual(["reloaded"]);

  const n = new VassalMachine("u.ini", uwsgi, 0);
  n.start(0);
  n.started(0, 8);
  n.bytes(1, ["spawned"]);
  expect(n.reload(2)).toEqual([]);
  expect(n.timer(5001, "accepting")).toEqual([{ do: "send", byte: 1 }]);
  expect(emitted(n.bytes(5002, ["accepting"]))).toEqual(["reloaded"]);
});

test("uWSGI: heartbeats arm the deadline, whose expiry kills the group", () => {
  const m = new VassalMachine("u.ini", uwsgi, 0);
  m.start(0);
  m.started(0, 7);
  expect(m.bytes(1, ["accepting", "heartbeat"])).toEqual([
    { do: "emit", event: { type: "spawned", name: "u.ini", pid: 7 } },
    { do: "timer", timer: "heartbeat", ms: 30_000 },
  ]);
  expect(m.timer(30_001, "heartbeat")).toEqual([{ do: "kill_group", why: "heartbeat" }]);
});

test("destroy while in backoff or before any process settles at once", () => {
  const m = new VassalMachine("p.toml", plain(), 0);
  m.start(0);
  m.started(0, 1);
  m.exited(1, 1, null);
  expect(m.destroy(2)).toEqual([
    { do: "cancel", timer: "backoff" },
    { do: "emit", event: { type: "destroyed", name: "p.toml" } },
    { do: "settled" },
  ]);
  expect(m.destroy(3)).toEqual([{ do: "cancel", timer: "backoff" }, { do: "settled" }]);
});

// Any sequence of inputs: a destroy is followed by exactly one "destroyed" once the process is
// gone, nothing is launched after it, and "launch" always ends its batch.
test("after destroy: one destroyed, no launch; launch always ends a batch", () => {
  type Input = "reload" | "update" | "exit" | "ready1" | "ready5" | "h22" | "kill" | "backoff" | "destroy";
  const inputs: Input[] = ["reload", "update", "exit", "ready1", "ready5", "h22", "kill", "backoff", "destroy"];
  fc.assert(
    fc.property(fc.boolean(), fc.array(fc.constantFrom(...inputs), { maxLength: 40 }), (isUwsgi, seq) => {
      const m = new VassalMachine("v", isUwsgi ? uwsgi : plain(), 0);
      let running = false;
      let destroyed = 0;
      let destroyAsked = false;
      let now = 0;
      const run = (acts: Action[]) => {
        acts.forEach((a, i) => {
          if (a.do === "launch") {
            expect(i).toBe(acts.length - 1);
            expect(destroyAsked).toBe(false);
            running = true;
            run(m.started(now, 100 + now));
          }
          if (a.do === "emit" && a.event.type === "destroyed") destroyed++;
        });
      };
      run(m.start(0));
      for (const input of [...seq, "destroy" as const, "exit" as const]) {
        now += 100;
        if (input === "destroy") destroyAsked = true;
        if (input === "exit") {
          if (running) {
            running = false;
            run(m.exited(now, 1, null));
          }
        } else if (input === "ready1" || input === "ready5" || input === "h22") {
          if (running && isUwsgi)
            run(m.bytes(now, [input === "ready1" ? "spawned" : input === "ready5" ? "accepting" : "voluntary_shutdown"]));
        } else if (input === "kill" || input === "backoff") {
          if (input === "kill" || m.status().state === "backoff") run(m.timer(now, input));
        } else if (input === "update") run(m.update(now, isUwsgi ? uwsgi : plain(`args = ["${now}"]\n`)));
        else run(input === "reload" ? m.reload(now) : m.destroy(now));
      }
      expect(destroyed).toBe(1);
      expect(m.status().state).toBe("stopped");
    }),
  );
});
