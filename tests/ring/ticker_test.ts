import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { Ticker } from "../../lib/ring/ticker.ts";
import { FakeClock } from "../helpers/fake_clock.ts";

/** A ticker on a fake clock over a thing that is busy or not, and the ticks it made. */
function setup(everyMs = 250) {
  const clock = new FakeClock();
  const state = { busy: false, ticks: 0 };
  const ticker = new Ticker(
    () => state.ticks++,
    () => state.busy,
    everyMs,
    clock,
  );
  return { clock, state, ticker };
}

describe("Ticker", () => {
  test("rests until woken, ticks while busy, rests after the first tick that finds nothing to watch", () => {
    const { clock, state, ticker } = setup();
    clock.advance(10_000);
    expect(state.ticks).toBe(0);
    expect(clock.pending()).toEqual([]);
    state.busy = true;
    ticker.wake();
    clock.advance(1000);
    expect(state.ticks).toBe(4);
    state.busy = false;
    clock.advance(10_000);
    expect(state.ticks).toBe(5);
    expect(ticker.running).toBe(false);
    expect(clock.pending()).toEqual([]);
  });

  test("a wake while it runs adds no second timer; once stopped, a wake starts nothing", () => {
    const { clock, state, ticker } = setup();
    state.busy = true;
    ticker.wake();
    ticker.wake();
    expect(clock.pending()).toEqual([250]);
    ticker.stop();
    ticker.wake();
    clock.advance(1000);
    expect(state.ticks).toBe(0);
    expect(clock.pending()).toEqual([]);
  });

  test("against a model: never two ticks in a row while idle without a wake between, every period ticked while it runs", () => {
    type Op = { kind: "wake" } | { kind: "busy"; busy: boolean } | { kind: "advance"; periods: number } | { kind: "stop" };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.constant({ kind: "wake" as const }),
      fc.boolean().map((busy) => ({ kind: "busy" as const, busy })),
      fc.integer({ min: 1, max: 5 }).map((periods) => ({ kind: "advance" as const, periods })),
      fc.constant({ kind: "stop" as const }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const { clock, state, ticker } = setup(100);
        const model = { running: false, stopped: false, ticks: 0 };
        for (const o of ops) {
          if (o.kind === "wake") model.running ||= !model.stopped;
          if (o.kind === "stop") [model.running, model.stopped] = [false, true];
          if (o.kind === "busy") state.busy = o.busy;
          if (o.kind === "wake") ticker.wake();
          if (o.kind === "stop") ticker.stop();
          if (o.kind === "advance") {
            for (let i = 0; i < o.periods && model.running; i++) {
              model.ticks++;
              if (!state.busy) model.running = false;
            }
            // Whole periods from the wake: the timer's phase is the wake's.
            clock.advance(o.periods * 100);
          }
          expect(ticker.running).toBe(model.running);
        }
        expect(state.ticks).toBe(model.ticks);
      }),
    );
  });
});
