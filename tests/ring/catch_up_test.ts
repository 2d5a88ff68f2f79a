import { afterAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { catchUp, compareCopies, type PeerCopy } from "../../lib/ring/catch_up.ts";
import type { RingNode } from "../../lib/config/mod.ts";
import { answerFetch, FETCH_PAGE } from "../../lib/ring/peer_fetch.ts";
import type { Incoming } from "../../lib/ring/node.ts";
import { RingStore } from "../../lib/ring/listen/store.ts";
import { readDataBatch } from "../../lib/ring/batch.ts";
import { PacketDecoder, RING_MODIFIER1 } from "../../lib/packet/mod.ts";
import { readRingPacket, RingType, type RingMessage } from "../../lib/ring/protocol.ts";
import { removeTmpDirs, tmpDir } from "../helpers/procs.ts";

afterAll(() => removeTmpDirs());

const m = (id: string) => ({ id, origin: "PA", content: `content of ${id}` });

describe("compareCopies", () => {
  test("a message no copy of ours holds is fresh; a reached peer without it lacks it; an unreachable peer is not counted", () => {
    const copies: PeerCopy[] = [
      { peer: 1, messages: [m("a"), m("b")] },
      { peer: 2, messages: [m("b"), m("c")] },
      { peer: 3, error: "unreachable" },
    ];
    expect(compareCopies(copies, (id) => id === "b" || id === "c")).toEqual([
      { message: m("a"), from: 1, fresh: true, lacking: [2] },
      { message: m("c"), from: 2, fresh: false, lacking: [1] },
    ]);
    expect(compareCopies(copies, () => false).map((x) => [x.message.id, x.fresh, x.lacking])).toEqual([
      ["a", true, [2]],
      ["b", true, []],
      ["c", true, [1]],
    ]);
  });

  test("property: each id once; omitted exactly when seen here and held by every reached peer; lacking = reached minus holders", () => {
    const copy = fc.record({
      peer: fc.integer({ min: 1, max: 6 }),
      ids: fc.uniqueArray(fc.constantFrom("a", "b", "c", "d", "e"), { maxLength: 5 }),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(copy, { selector: (c) => c.peer, maxLength: 5 }),
        fc.uniqueArray(fc.constantFrom("a", "b", "c", "d", "e")),
        (cs, seen) => {
          const copies: PeerCopy[] = cs.map((c) => ({ peer: c.peer, messages: c.ids.map(m) }));
          const out = compareCopies(copies, (id) => (seen as string[]).includes(id));
          const ids = out.map((x) => x.message.id);
          expect(new Set(ids).size).toBe(ids.length);
          for (const id of new Set(cs.flatMap((c) => c.ids))) {
            const holders = cs.filter((c) => c.ids.includes(id)).map((c) => c.peer);
            const lacking = cs.filter((c) => !c.ids.includes(id)).map((c) => c.peer);
            const x = out.find((o) => o.message.id === id);
            if (seen.includes(id) && lacking.length === 0) expect(x).toBeUndefined();
            else expect(x).toEqual({ message: m(id), from: holders[0]!, fresh: !seen.includes(id), lacking });
          }
        },
      ),
    );
  });
});

test("catchUp submits what is missing with the peers that lack it as its only destinations, and says so", async () => {
  const nodes = ["MV", "PA", "G"].map((name, index) => ({ name, index }) as RingNode);
  const submitted: Incoming[] = [];
  const node = {
    self: nodes[0]!,
    nodes,
    seen: new Set(["b"]),
    positionOf: (n: string) => nodes.find((x) => x.name === n)?.index,
    submit: (i: Incoming) => void submitted.push(i),
  };
  const fetch = async (peer: RingNode) => {
    if (peer.name === "PA") return [m("a"), m("b")];
    throw new Error("link to G not up within 10 s");
  };
  const line = await catchUp(node, fetch, "a test");
  expect(submitted.map((i) => [i.id, i.content, i.from, i.wrapping, i.origin, [...i.dests!]])).toEqual([
    ["a", "content of a", 1, 0, 1, []],
  ]);
  expect(line).toBe(
    "catch-up from the peers (a test): their copies hold PA 2, G unreachable (link to G not up within 10 s); 1 message this node lacked logged here; no peer lacked any",
  );
});

test("answerFetch serves whole rows page by page from a seq or a time, FETCH_DONE saying where to go on", () => {
  const store = RingStore.open(tmpDir());
  store.append(
    Array.from({ length: FETCH_PAGE + 5 }, (_, i) => m(`x${i}`)),
    1000,
  );
  store.append([m("late")], 5000);
  const ask = (vars: Record<string, string>) => {
    const packets: RingMessage[] = [];
    const req = {
      type: RingType.FETCH,
      vars: Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, new TextEncoder().encode(v)])),
      payload: new Uint8Array(),
    } as RingMessage;
    answerFetch(store, req, (bytes) => packets.push(...new PacketDecoder({ modifier1: RING_MODIFIER1 }).push(bytes).map(readRingPacket)));
    const done = packets.pop()!;
    expect(done.type).toBe(RingType.FETCH_DONE);
    const ids = packets.flatMap((p) => readDataBatch(p.payload).map((it) => it.id));
    const text = (k: string) => new TextDecoder().decode(done.vars[k]);
    return { ids, next: text("next"), last: text("last") };
  };
  const first = ask({ since_time: "0" });
  expect(first.ids.length).toBe(FETCH_PAGE);
  expect(first).toMatchObject({ next: String(FETCH_PAGE + 1), last: String(FETCH_PAGE + 6) });
  expect(ask({ from: first.next })).toEqual({
    ids: [...Array.from({ length: 5 }, (_, i) => `x${FETCH_PAGE + i}`), "late"],
    next: String(FETCH_PAGE + 7),
    last: String(FETCH_PAGE + 6),
  });
  expect(ask({ since_time: "4000" }).ids).toEqual(["late"]);
  expect(ask({ from: String(FETCH_PAGE + 7) })).toEqual({ ids: [], next: String(FETCH_PAGE + 7), last: String(FETCH_PAGE + 6) });
  store.close();
});
