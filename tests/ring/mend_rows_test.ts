import { expect, test } from "bun:test";
import type { PeerCopy } from "../../lib/ring/catch_up.ts";
import { MEND_SLACK_MS, type DamagedRow, mendFromCopies, type MendedRow, RowMender } from "../../lib/ring/mend_rows.ts";
import { FakeClock } from "../helpers/fake_clock.ts";

const names = ["MV", "PA", "G", "LA"];
const msg = (id: string) => ({ id, origin: "MV", content: `content of ${id}` });

test("each damaged row comes back from the first copy holding its id; one no copy holds is said never served", () => {
  const rows: DamagedRow[] = [
    { seq: 7, ts: 1000, id: "a" },
    { seq: 8, ts: 1000, id: "b" },
    { seq: 9, ts: 1000, id: "gone" },
  ];
  const copies: PeerCopy[] = [
    { peer: 1, messages: [msg("b")] },
    { peer: 2, error: "link to G not up within 5 s" },
    { peer: 3, messages: [msg("a"), msg("b")] },
  ];
  const r = mendFromCopies(rows, copies, names);
  expect(r.mended).toEqual([
    { seq: 7, id: "a", origin: "MV", content: "content of a" },
    { seq: 8, id: "b", origin: "MV", content: "content of b" },
  ]);
  expect(r.line).toBe(
    "store: messages 7-9 failed their checksums: written again from the peers' copies: 7 (LA), 8 (PA); in no copy reached (G unreachable), never served: 9",
  );
});

test("RowMender gathers what is found within 200 ms, reads the copies from a minute before the earliest row, and writes them back", async () => {
  const clock = new FakeClock();
  const written: MendedRow[] = [];
  const store = {
    unchecked: (seq: number) => ({ seq, ts: clock.now() - seq * 1000, id: `m${seq}` }),
    replace: (rows: readonly MendedRow[]) => void written.push(...rows),
  };
  let since = -1;
  const copies = async (sinceMs: number): Promise<PeerCopy[]> => {
    since = sinceMs;
    return [{ peer: 1, messages: [msg("m3"), msg("m5")] }];
  };
  const lines: string[] = [];
  const mender = new RowMender(store, copies, names, (line) => lines.push(line), clock);
  mender.damaged(3);
  clock.advance(100);
  mender.damaged(5);
  expect(written).toEqual([]);
  clock.advance(200);
  await Promise.resolve();
  await Promise.resolve();
  // The timer fired at 200 ms, 100 ms ago: row 5 was then 5 s old.
  expect(since).toBe(clock.now() - 100 - 5000 - MEND_SLACK_MS);
  expect(written.map((r) => r.seq)).toEqual([3, 5]);
  expect(lines).toEqual(["store: messages 3,5 failed their checksums: written again from the peers' copies: 3,5 (PA)"]);
  mender.stop();
  mender.damaged(9);
  clock.advance(1000);
  expect(lines).toHaveLength(1);
});
