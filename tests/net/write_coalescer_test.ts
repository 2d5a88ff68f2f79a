import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { FLUSH_THRESHOLD, WriteCoalescer } from "../../lib/net/write_coalescer.ts";

/** A sink that records each write and takes at most `room` bytes per call. */
function recordingSink(room = Infinity) {
  const writes: Uint8Array[] = [];
  const sink = {
    room,
    writes,
    write: (b: Uint8Array): number => {
      const n = Math.min(b.length, sink.room);
      writes.push(b.slice(0, n));
      return n;
    },
  };
  return sink;
}

function manualSchedule() {
  const tasks: (() => void)[] = [];
  return {
    schedule: (fn: () => void) => void tasks.push(fn),
    run: () => tasks.splice(0).forEach((t) => t()),
    get size() {
      return tasks.length;
    },
  };
}

function joined(chunks: Uint8Array[]): number[] {
  return chunks.flatMap((c) => [...c]);
}

describe("WriteCoalescer", () => {
  test("frames written in one tick leave in one sink write", () => {
    const sink = recordingSink();
    const tick = manualSchedule();
    const w = new WriteCoalescer(sink.write, { schedule: tick.schedule });
    for (let i = 0; i < 100; i++) w.write(new Uint8Array([i]));
    expect(sink.writes.length).toBe(0);
    expect(w.bufferedBytes).toBe(100);
    expect(tick.size).toBe(1);
    tick.run();
    expect(sink.writes.length).toBe(1);
    expect(joined(sink.writes)).toEqual([...Array(100).keys()]);
    expect(w.bufferedBytes).toBe(0);
  });

  test("flushes at once past the threshold", () => {
    const sink = recordingSink();
    const tick = manualSchedule();
    const w = new WriteCoalescer(sink.write, { schedule: tick.schedule });
    w.write(new Uint8Array(FLUSH_THRESHOLD));
    expect(sink.writes.length).toBe(0);
    w.write(new Uint8Array(1));
    expect(sink.writes.length).toBe(1);
    expect(sink.writes[0]!.length).toBe(FLUSH_THRESHOLD + 1);
  });

  test("a partial write keeps the rest until drain, then idles", () => {
    const sink = recordingSink(3);
    const tick = manualSchedule();
    const w = new WriteCoalescer(sink.write, { schedule: tick.schedule });
    let idles = 0;
    w.onIdle = () => idles++;
    w.write(new Uint8Array([1, 2, 3, 4, 5]));
    tick.run();
    expect(w.bufferedBytes).toBe(2);
    w.write(new Uint8Array([6, 7]));
    tick.run();
    expect(sink.writes.length).toBe(1);
    sink.room = Infinity;
    w.drain();
    expect(joined(sink.writes)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(w.bufferedBytes).toBe(0);
    expect(idles).toBe(1);
  });

  test("a closed sink (-1) holds the bytes instead of losing count", () => {
    const w = new WriteCoalescer(() => -1, { schedule: (fn) => fn() });
    w.write(new Uint8Array(4));
    expect(w.bufferedBytes).toBe(4);
  });

  test("property: any frames, any sink capacities, bytes arrive whole and in order", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 50_000 }), { maxLength: 30 }),
        fc.array(fc.integer({ min: 0, max: 70_000 }), { minLength: 1, maxLength: 20 }),
        (frames, rooms) => {
          const sink = recordingSink(rooms[0]);
          const tick = manualSchedule();
          const w = new WriteCoalescer(sink.write, { schedule: tick.schedule });
          frames.forEach((f, i) => {
            w.write(f);
            if (i % 3 === 0) tick.run();
          });
          tick.run();
          for (let i = 1; w.bufferedBytes > 0; i++) {
            sink.room = i < rooms.length ? rooms[i]! : Infinity;
            w.drain();
          }
          expect(joined(sink.writes)).toEqual(joined(frames));
        },
      ),
      { numRuns: 60 },
    );
  });
});
