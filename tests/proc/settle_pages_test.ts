import { expect, test } from "bun:test";
import fc from "fast-check";
import { PageSettler, settleDue } from "../../lib/proc/settle_pages.ts";

/** Waits until `cond` holds (at most 5 s; the test's expectations then say what did not happen). */
async function until(cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!cond() && Date.now() < deadline) await Bun.sleep(5); // polling interval of the condition
}

test("a drop asked for is made only when no work came in since and the last drop is far enough back", () => {
  fc.assert(
    fc.property(fc.nat(5), fc.nat(5), fc.integer({ min: -10_000, max: 10_000 }), fc.nat(5000), (asked, now, last, gap) => {
      const due = settleDue({ askedAt: asked, activityNow: now, lastDropMs: last, nowMs: 10_000, gapMs: gap });
      expect(due).toBe(asked === now && 10_000 - last >= gap);
    }),
  );
  expect(settleDue({ askedAt: 0, activityNow: 0, lastDropMs: -Infinity, nowMs: 0, gapMs: 1000 })).toBe(true);
});

test("asks within the delay share one drop, a busy process drops nothing, and a stopped settler no more", async () => {
  let activity = 0;
  let drops = 0;
  const settler = new PageSettler(
    () => activity,
    async () => void drops++,
    { delayMs: 20, gapMs: 0 },
  );
  settler.soon();
  settler.soon();
  await until(() => drops > 0);
  expect(drops).toBe(1);
  settler.soon();
  activity++; // work came in after the ask: its pages are the busy process's
  const ticks = drops;
  const fired = new Promise((resolve) => setTimeout(resolve, 100)); // longer than the settler's delay
  await fired;
  expect(drops).toBe(ticks);
  settler.soon();
  settler.stop();
  settler.soon();
  await new Promise((resolve) => setTimeout(resolve, 100)); // longer than the settler's delay
  expect(drops).toBe(1);
});

test("a drop closer to the last than the gap is not made within the gap", async () => {
  let drops = 0;
  const settler = new PageSettler(
    () => 0,
    async () => void drops++,
    { delayMs: 1, gapMs: 60_000 },
  );
  settler.soon();
  await until(() => drops > 0);
  settler.soon();
  await new Promise((resolve) => setTimeout(resolve, 50)); // longer than the settler's delay
  expect(drops).toBe(1);
  settler.stop();
});

test("a drop is made once more a while after the first, for the collection of the work's garbage", async () => {
  let drops = 0;
  const settler = new PageSettler(
    () => 0,
    async () => void drops++,
    { delayMs: 1, gapMs: 0, againMs: 30 },
  );
  settler.soon();
  await until(() => drops >= 2);
  expect(drops).toBe(2);
  settler.stop();
});

test("a drop asked for too soon after the last is made once the gap is over, not forgotten", async () => {
  const drops: number[] = [];
  const s = new PageSettler(
    () => 0,
    async () => void drops.push(performance.now()),
    { delayMs: 1, gapMs: 80, againMs: 1 },
  );
  s.soon();
  // The first drop at once; the second, asked for 1 ms later, waits for the gap of 80 ms.
  await until(() => drops.length >= 2);
  expect(drops.length).toBe(2);
  expect(drops[1]! - drops[0]!).toBeGreaterThanOrEqual(79);
  s.stop();
});
