// The console's snapshot stream: one snapshot per change to every subscriber, and never more
// than a tenth of the time spent taking them, however often zeus pokes it.
import { expect, test } from "bun:test";
import { SnapshotStream } from "../../lib/console/event_stream.ts";
import { waitFor } from "../helpers/procs.ts";

/** Reads the `event: status` events of a stream's response as they come. */
function reader(res: Response): { events: string[] } {
  const out = { events: [] as string[] };
  void (async () => {
    const dec = new TextDecoder();
    for await (const chunk of res.body!) {
      for (const part of dec.decode(chunk).split("\n\n")) if (part.startsWith("event: status")) out.events.push(part);
    }
  })();
  return out;
}

test("a subscriber gets the snapshot at once, then each change; an unchanged snapshot is not sent again", async () => {
  let n = 0;
  const stream = new SnapshotStream({ take: () => ({ n }), everyMs: 50, pokeMs: 1 });
  const abort = new AbortController();
  const got = reader(stream.response(abort.signal));
  await waitFor(() => got.events.length === 1, 5000, "the first snapshot");
  n = 1;
  stream.poke();
  await waitFor(() => got.events.length === 2, 5000, "the change");
  expect(got.events[1]).toBe('event: status\ndata: {"n":1}');
  // Ticks meanwhile take it again and find it unchanged: nothing more is sent.
  const takenBefore = got.events.length;
  await Bun.sleep(200); // a non-event: four ticks that must send nothing
  expect(got.events.length).toBe(takenBefore);
  abort.abort();
  stream.close();
});

test("a snapshot that costs T ms is taken at most once per 10·T, however often it is poked", async () => {
  let takes = 0;
  const costMs = 20;
  const stream = new SnapshotStream({
    take: () => {
      takes++;
      const end = performance.now() + costMs;
      while (performance.now() < end); // a snapshot of a large fleet: costMs of the loop
      return { takes };
    },
    everyMs: 10,
    pokeMs: 1,
  });
  const abort = new AbortController();
  reader(stream.response(abort.signal));
  const t0 = performance.now();
  const poking = setInterval(() => stream.poke(), 5);
  await Bun.sleep(1000); // a second of pokes and ticks: what is counted is how many takes they caused
  clearInterval(poking);
  const elapsed = performance.now() - t0;
  abort.abort();
  stream.close();
  // Unspaced, a take every 10 ms tick and every poke: over 30. Spaced: one per 220 ms at most.
  expect(takes).toBeGreaterThanOrEqual(2);
  expect(takes).toBeLessThanOrEqual(Math.ceil(elapsed / (11 * costMs)) + 1);
});
