import { expect, test } from "bun:test";
import fc from "fast-check";
import { Throttle } from "../../lib/emperor/throttle.ts";

test("a vassal dying young waits 1, 2, 4 ... s, capped at 180 s", () => {
  let t = new Throttle();
  let now = 0;
  const delays: number[] = [];
  for (let i = 0; i < 12; i++) {
    t = t.started(now);
    now += 100;
    const { throttle, delayMs: d } = t.exited(now);
    t = throttle;
    delays.push(d);
    now += d;
  }
  expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 64000, 128000, 180000, 180000, 180000, 180000]);
});

test("a vassal that stayed up 10 s starts over at 1 s", () => {
  let t = new Throttle();
  // Each exit's new throttle is the one the next start records on.
  const exit = (now: number) => {
    const r = t.exited(now);
    t = r.throttle;
    return r.delayMs;
  };
  t = t.started(0);
  expect(exit(100)).toBe(1000);
  t = t.started(1100);
  expect(exit(1200)).toBe(2000);
  t = t.started(3200);
  expect(exit(3200 + 10_000)).toBe(1000);
  t = t.started(20_000);
  expect(exit(20_001)).toBe(2000);
});

test("delays are always within [min, max] and never shrink while dying young", () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 30_000 }), { minLength: 1, maxLength: 60 }), (uptimes) => {
      let t = new Throttle();
      let now = 0;
      let prev = 0;
      for (const up of uptimes) {
        t = t.started(now);
        now += up;
        const { throttle, delayMs: d } = t.exited(now);
        t = throttle;
        expect(d).toBeGreaterThanOrEqual(1000);
        expect(d).toBeLessThanOrEqual(180_000);
        if (up < 10_000) expect(d).toBeGreaterThanOrEqual(Math.min(prev, 180_000));
        else expect(d).toBe(1000);
        prev = d;
        now += d;
      }
    }),
  );
});

test("a throttle is a value: recording a start or an exit leaves the old one as it was", () => {
  const t = new Throttle({ minMs: 10 }).started(5);
  const { throttle } = t.exited(6);
  expect(t.streak).toBe(0);
  expect(throttle.streak).toBe(1);
  expect(throttle.started(100).startedAt).toBe(100);
  expect(throttle.startedAt).toBe(5);
  expect(throttle.exited(7).delayMs).toBe(20);
});
