import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { LINK_TABLE, type LinkEvent, type LinkPhase, linkStep, Redial } from "../../lib/ring/link_lifecycle.ts";

const PHASES: LinkPhase[] = ["idle", "dialing", "greeting", "up", "waiting", "stopped"];
const EVENTS: LinkEvent[] = ["dial", "connected", "dialFailed", "hello", "closed", "stop"];

// The whole table, written out again: "next: actions", "-" where the event is not expected.
const EXPECTED: Record<LinkPhase, Record<LinkEvent, string>> = {
  idle: { dial: "dialing: connect", connected: "-", dialFailed: "-", hello: "-", closed: "-", stop: "stopped:" },
  dialing: {
    dial: "dialing:",
    connected: "greeting: greet",
    dialFailed: "waiting: goDown scheduleRetry",
    hello: "-",
    closed: "-",
    stop: "stopped:",
  },
  greeting: {
    dial: "greeting:",
    connected: "-",
    dialFailed: "-",
    hello: "up: goUp",
    closed: "waiting: goDown scheduleRetry",
    stop: "stopped: close",
  },
  up: { dial: "up:", connected: "-", dialFailed: "-", hello: "up:", closed: "waiting: goDown scheduleRetry", stop: "stopped: close" },
  waiting: { dial: "dialing: cancelRetry connect", connected: "-", dialFailed: "-", hello: "-", closed: "-", stop: "stopped: cancelRetry" },
  stopped: { dial: "stopped:", connected: "stopped: discard", dialFailed: "stopped:", closed: "stopped:", hello: "-", stop: "stopped:" },
};

describe("the peer link's transition table", () => {
  test("every phase and event, exhaustively", () => {
    expect(Object.keys(LINK_TABLE).sort()).toEqual([...PHASES].sort());
    for (const phase of PHASES) {
      for (const event of EVENTS) {
        const step = linkStep(phase, event);
        const got = step ? `${step.next}:${step.actions.map((a) => ` ${a}`).join("")}` : "-";
        expect(`${phase} + ${event} = ${got}`).toBe(`${phase} + ${event} = ${EXPECTED[phase][event]}`);
      }
    }
  });

  /**
   * A model of the world around the table: a dial in flight, a connection, its close still
   * to come, the retry timer. Events happen only when the world allows them (a dial can only
   * complete if one was started), and each must be expected by the phase it finds.
   */
  test("whatever happens, in any order: every possible event is expected, one dial at a time, a timer only while waiting, nothing after stop", () => {
    const external = fc.constantFrom<LinkEvent>("dial", "connected", "dialFailed", "hello", "closed", "stop", "dial");
    fc.assert(
      fc.property(fc.array(external, { maxLength: 60 }), (tries) => {
        let phase: LinkPhase = "idle";
        const world = { dialing: false, conn: false, closing: false, timer: false, downs: 0, waits: 0 };
        const possible = (e: LinkEvent): boolean => {
          if (e === "connected" || e === "dialFailed") return world.dialing;
          if (e === "hello") return world.conn;
          if (e === "closed") return world.conn || world.closing;
          return true;
        };
        for (const e of tries) {
          if (!possible(e)) continue;
          const step = linkStep(phase, e);
          expect(step, `${e} while ${phase}`).toBeDefined();
          if (e === "connected" || e === "dialFailed") world.dialing = false;
          if (e === "closed") world.conn = world.closing = false;
          for (const a of step!.actions) {
            if (phase === "stopped") expect(["discard"]).toContain(a);
            switch (a) {
              case "connect":
                expect(world.dialing).toBe(false);
                world.dialing = true;
                break;
              case "greet":
                world.conn = true;
                break;
              case "goDown":
                world.downs++;
                world.conn = false;
                break;
              case "close":
                world.closing = world.conn;
                world.conn = false;
                break;
              case "scheduleRetry":
                expect(world.timer).toBe(false);
                world.timer = true;
                world.waits++;
                break;
              case "cancelRetry":
                world.timer = false;
                break;
            }
          }
          phase = step!.next;
          expect(world.timer).toBe(phase === "waiting");
          expect(world.conn).toBe(phase === "greeting" || phase === "up");
          if (phase === "dialing") expect(world.dialing).toBe(true);
          expect(world.downs).toBe(world.waits);
        }
      }),
    );
  });
});

describe("Redial", () => {
  const redial = () => new Redial((attempt) => 100 * 2 ** attempt);
  /** A wait of 100 doubling, capped at 400, or at 10 000 while `long`. */
  const capped = () => new Redial((attempt, long) => Math.min(long ? 10_000 : 400, 100 * 2 ** attempt));

  test("while the peer's host refuses the connection the wait grows past the short cap; a timeout, or HELLO, brings the cap back", () => {
    const r = capped();
    for (let i = 0; i < 4; i++) (r.absent(true), r.nextWait());
    r.absent(true);
    expect([r.nextWait(), r.nextWait(), r.nextWait()]).toEqual([1600, 3200, 6400]);
    // A partition (the dial timed out): the short cap again, so a healed one is found within it.
    r.absent(false);
    expect(r.nextWait()).toBe(400);
    r.absent(true);
    expect(r.nextWait()).toBe(10_000);
    r.greeted();
    expect(r.fresh).toBe(true);
    expect([r.nextWait(), r.nextWait(), r.nextWait(), r.nextWait()]).toEqual([100, 200, 400, 400]);
  });

  test("the wait grows with each attempt and starts over at HELLO", () => {
    const r = redial();
    expect(r.fresh).toBe(true);
    expect([r.nextWait(), r.nextWait(), r.nextWait()]).toEqual([100, 200, 400]);
    expect(r.fresh).toBe(false);
    r.greeted();
    expect(r.fresh).toBe(true);
    expect(r.nextWait()).toBe(100);
  });

  test("after a refusal, HELLO no longer starts it over: only an acknowledgement does", () => {
    const r = redial();
    r.nextWait();
    r.refused();
    r.nextWait();
    r.greeted();
    expect(r.nextWait()).toBe(400);
    r.acknowledged();
    expect(r.nextWait()).toBe(100);
    r.greeted();
    expect(r.nextWait()).toBe(100);
  });
});
