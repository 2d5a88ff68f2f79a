// lib/clock.ts: the system clock's two readings and timers, sleep(), and the fake clock
// (tests/helpers) that every timing test relies on.
import { expect, test } from "bun:test";
import { sleep, systemClock } from "../lib/clock.ts";
import { FakeClock } from "./helpers/fake_clock.ts";

test("systemClock: now() is the wall clock, monotonic() only moves forward", async () => {
  const wall = systemClock.now();
  expect(Math.abs(wall - Date.now())).toBeLessThan(1000);
  const a = systemClock.monotonic();
  await sleep(systemClock, 5);
  const b = systemClock.monotonic();
  expect(b).toBeGreaterThanOrEqual(a + 4);
});

test("systemClock: a cleared timer and a cleared interval never fire", async () => {
  let fired = 0;
  systemClock.clearTimeout(systemClock.setTimeout(() => fired++, 1));
  const every = systemClock.setInterval(() => fired++, 1);
  systemClock.clearInterval(every);
  await sleep(systemClock, 10);
  expect(fired).toBe(0);
});

test("sleep: resolves true when the time passed, false when aborted before or during", async () => {
  const clock = new FakeClock();
  const done = sleep(clock, 100);
  clock.advance(100);
  expect(await done).toBe(true);

  const stop = new AbortController();
  const stopped = sleep(clock, 100, stop.signal);
  stop.abort();
  expect(await stopped).toBe(false);
  expect(clock.pending()).toEqual([]);
  expect(await sleep(clock, 100, stop.signal)).toBe(false);
});

test("FakeClock: timers fire in due order, each seeing its own due time", () => {
  const clock = new FakeClock(5_000, 100);
  const seen: string[] = [];
  clock.setTimeout(() => seen.push(`b@${clock.monotonic()}`), 30);
  clock.setTimeout(() => seen.push(`a@${clock.monotonic()}`), 10);
  const gone = clock.setTimeout(() => seen.push("never"), 20);
  clock.clearTimeout(gone);
  expect(clock.pending()).toEqual([10, 30]);
  clock.advance(29);
  expect(seen).toEqual(["a@110"]);
  clock.advance(1);
  expect(seen).toEqual(["a@110", "b@130"]);
  expect(clock.now()).toBe(5_030);
});

test("FakeClock: an interval fires once per period until cleared", () => {
  const clock = new FakeClock();
  let beats = 0;
  const every = clock.setInterval(() => beats++, 250);
  clock.advance(1000);
  expect(beats).toBe(4);
  clock.clearInterval(every);
  clock.advance(1000);
  expect(beats).toBe(4);
});

test("FakeClock: setWall moves the wall clock alone; deadlines on monotonic stay", () => {
  const clock = new FakeClock(1_000_000, 0);
  const until = clock.monotonic() + 1000;
  clock.setWall(0); // the operator set the date back
  expect(clock.now()).toBe(0);
  clock.advance(999);
  expect(clock.monotonic() >= until).toBe(false);
  clock.advance(1);
  expect(clock.monotonic() >= until).toBe(true);
  expect(clock.now()).toBe(1000);
});

test("FakeClock: advanceAsync lets awaited work run between timers", async () => {
  const clock = new FakeClock();
  const steps: number[] = [];
  void (async () => {
    for (let i = 0; i < 3; i++) {
      await sleep(clock, 100);
      steps.push(clock.monotonic());
    }
  })();
  await clock.advanceAsync(300);
  expect(steps).toEqual([1_000_100, 1_000_200, 1_000_300]);
});
