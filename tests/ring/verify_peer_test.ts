import { expect, test } from "bun:test";
import { comparePeer } from "../../lib/ring/verify_peer.ts";

const copy = (...contents: string[]) => contents.map((content, i) => ({ id: `m${i}`, origin: "MV", content }));

test("the same contents the same number of times: nothing differs", () => {
  const r = comparePeer(["a", "b", "a"], copy("a", "a", "b"), "PA");
  expect(r).toEqual({
    differs: false,
    lines: ["access.log: 3 lines compared with PA's copy of 3 messages: 0 missing here, 0 more here than at PA"],
  });
});

test("a doubled line, a flipped line and a missing one are each named, the later copy of a doubled one by its line", () => {
  const r = comparePeer(["a", "b", "a", "c\u0001"], copy("a", "b", "c", "d"), "PA");
  expect(r.differs).toBe(true);
  expect(r.lines).toEqual([
    'access.log: "c" is missing: here 0 times, PA holds it 1 time',
    'access.log: "d" is missing: here 0 times, PA holds it 1 time',
    'access.log:3: "a" is here 2 times, PA holds it 1 time',
    'access.log:4: "c\\u0001" is here 1 time, PA holds it 0 times',
    "access.log: 4 lines compared with PA's copy of 4 messages: 2 missing here, 2 more here than at PA",
  ]);
});
