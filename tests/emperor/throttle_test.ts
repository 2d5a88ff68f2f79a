import { expect, test } from "bun:test";
import fc from "fast-check";
import { Throttle } from "../../lib/emperor/throttle.ts";

test("a vassal dying young waits 1, 2, 4 ... s, capped at 180 s", () => {
  const t = new Throttle();
  let now = 0;
  const delays: number[] = [];
  for (let i = 0; i < 12; i++) {
    t.started(now);
    now += 100;
    const d = t.exited(now);
    delays.push(d);
    now += d;
  }
  expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 64000, 128000, 180000, 180000, 180000, 180000]);
});

test("a vassal that stayed up 10 s starts over at 1 s", () => {
  const t = new Throttle();
  t.started(0);
  expect(t.exited(100)).toBe(1000);
  t.started(1100);
  expect(t.exited(1200)).toBe(2000);
  t.started(3200);
  expect(t.exited(3200 + 10_000)).toBe(1000);
  t.started(20_000);
  expect(t.exited(20_001)).toBe(2000);
});

test("delays are always within [min, max] and never shrink while dying young", () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 30_000 }), { minLength: 1, maxLength: 60 }), (uptimes) => {
      const t = new Throttle();
      let now = 0;
      let prev = 0;
      for (const up of uptimes) {
        t.started(now);
        now += up;
        const d = t.exited(now);
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
