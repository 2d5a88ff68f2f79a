import { expect, test } from "bun:test";
import fc from "fast-check";
import { DEAF_AFTER_MS, DeafClock, silenceMs, TICK_MS } from "../../lib/zeus/deaf_clock.ts";

/** A time the loop is blocked: [from, to). */
type Block = { from: number; to: number };

/** When the loop, blocked during `blocks` (sorted, apart), can run something due at `t`. */
function free(blocks: Block[], t: number): number {
  const b = blocks.find((x) => x.from <= t && t < x.to);
  return b ? b.to : t;
}

/**
 * zeus's loop as a model: an emperor sends I_AM_ALIVE every `periodMs` from 0 to `endMs`,
 * the loop is blocked during `blocks`; each heartbeat is read when the loop is free, the tick
 * runs every TICK_MS when free (once, late, after a block), and at the end of a block the
 * sockets are read before the overdue tick (as Bun's loop does). Returns each heartbeat's
 * gap as judged. `readsCount`: whether a read counts a block before the heartbeat is judged.
 */
function judgedGaps(blocks: Block[], periodMs: number, endMs: number, readsCount: boolean): number[] {
  const clock = new DeafClock(0);
  let deaf = 0;
  let nextTick = TICK_MS;
  let lastSeen = 0;
  let deafAtSeen = 0;
  const gaps: number[] = [];
  for (let sent = periodMs; sent <= endMs; sent += periodMs) {
    const read = free(blocks, sent);
    // Every tick that runs before this read (a tick due in a block runs after the block's reads).
    for (let at = free(blocks, nextTick); at < read || (at === read && nextTick === read); at = free(blocks, nextTick)) {
      deaf += clock.tick(at);
      nextTick = at + TICK_MS;
    }
    if (readsCount) deaf += clock.heard(read);
    gaps.push(silenceMs(read, lastSeen, deaf, deafAtSeen));
    lastSeen = read;
    deafAtSeen = deaf;
  }
  return gaps;
}

/** Blocks of up to 5 s, apart by at least 1 ms, from 0 to about 60 s. */
const blocksArb = fc
  .array(fc.record({ gap: fc.integer({ min: 1, max: 3000 }), len: fc.integer({ min: 1, max: 5000 }) }), { maxLength: 20 })
  .map((xs) => {
    const out: Block[] = [];
    let t = 0;
    for (const { gap, len } of xs) {
      out.push({ from: t + gap, to: t + gap + len });
      t += gap + len;
    }
    return out;
  });

test("a heartbeat sent on time is judged at most its period, a tick and the threshold apart, whatever blocks zeus's loop", () => {
  fc.assert(
    fc.property(blocksArb, fc.integer({ min: 200, max: 2000 }), (blocks, period) => {
      for (const gap of judgedGaps(blocks, period, 60_000, true)) expect(gap).toBeLessThanOrEqual(period + TICK_MS + DEAF_AFTER_MS);
    }),
  );
});

test("judged by the tick alone, a heartbeat read at the end of a block was judged late by the block", () => {
  // The bug this clock fixes: 2 s of block, the heartbeat read before the overdue tick ran.
  const blocks = [{ from: 950, to: 3000 }];
  expect(Math.max(...judgedGaps(blocks, 1000, 5000, false))).toBe(3000);
  expect(Math.max(...judgedGaps(blocks, 1000, 5000, true))).toBeLessThanOrEqual(1000 + TICK_MS + DEAF_AFTER_MS);
});

test("with the loop never blocked, the judged gap is the gap as read; an emperor silent while zeus listens is silent", () => {
  expect(judgedGaps([], 1000, 10_000, true)).toEqual(Array(10).fill(1000));
  const clock = new DeafClock(0);
  // Read often (other emperors' packets), the loop never late: 10 s of silence is 10 s.
  let deaf = 0;
  for (let t = 100; t <= 10_000; t += 100) deaf += clock.tick(t) + clock.heard(t + 50);
  expect(deaf).toBe(0);
  expect(silenceMs(10_000, 0, deaf, 0)).toBe(10_000);
});

test("the deaf time counted never exceeds the time elapsed, and each block is counted once", () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 3000 })), { maxLength: 200 }), (steps) => {
      const clock = new DeafClock(0);
      let now = 0;
      let deaf = 0;
      for (const [isTick, dt] of steps) {
        now += dt;
        deaf += isTick ? clock.tick(now) : clock.heard(now);
        expect(deaf).toBeLessThanOrEqual(now);
      }
      // Read again at once: nothing more to count.
      expect(clock.heard(now) + clock.tick(now)).toBe(0);
    }),
  );
});
