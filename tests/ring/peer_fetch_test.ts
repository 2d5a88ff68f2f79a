import { afterAll, expect, test } from "bun:test";
import { PacketDecoder, RING_MODIFIER1 } from "../../lib/packet/mod.ts";
import { RingStore } from "../../lib/ring/listen/store.ts";
import { answerFetch, FETCH_PAGE, fetchFromPeer } from "../../lib/ring/peer_fetch.ts";
import { readRingPacket, RING_PROTO, ringBytes, RingType } from "../../lib/ring/protocol.ts";
import { removeTmpDirs, tmpDir } from "../helpers/procs.ts";

afterAll(() => removeTmpDirs());

/** A peer port that answers HELLO and FETCH from `store` (as servePeer does), on a free loopback port. */
function fakePeer(store: RingStore) {
  return Bun.listen<{ d: PacketDecoder }>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open: (s) => void (s.data = { d: new PacketDecoder({ modifier1: RING_MODIFIER1 }) }),
      data: (s, chunk) => {
        for (const p of s.data.d.push(chunk)) {
          const m = readRingPacket(p);
          if (m.type === RingType.HELLO) s.write(ringBytes(RingType.HELLO, { proto: RING_PROTO, node: "PA" }));
          if (m.type === RingType.FETCH) answerFetch(store, m, (bytes) => s.write(bytes));
        }
      },
    },
  });
}

const msgs = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ id: `m${i}`, origin: "MV", content: `message ${i} ${"x".repeat(i % 50)}` }));

test("a fetch pages through the peer's whole copy, in its order; max keeps the last ones and keep filters", async () => {
  const store = RingStore.open(tmpDir());
  const all = msgs(2 * FETCH_PAGE + 10);
  store.append(all, 1000);
  const peer = fakePeer(store);
  const at = { host: "127.0.0.1", port: peer.port, self: "MV", sinceMs: 0 };
  try {
    expect(await fetchFromPeer(at)).toEqual(all);
    expect(await fetchFromPeer({ ...at, max: 5 })).toEqual(all.slice(-5));
    expect(await fetchFromPeer({ ...at, max: FETCH_PAGE + 1 })).toEqual(all.slice(-(FETCH_PAGE + 1)));
    expect((await fetchFromPeer({ ...at, keep: (m) => m.id === "m7" || m.id === `m${2 * FETCH_PAGE}` })).map((m) => m.id)).toEqual([
      "m7",
      `m${2 * FETCH_PAGE}`,
    ]);
    expect(await fetchFromPeer({ ...at, sinceMs: 2000 })).toEqual([]);
  } finally {
    peer.stop(true);
    store.close();
  }
});

test("a peer that is not there, or names itself otherwise, is a clear error", async () => {
  const store = RingStore.open(tmpDir());
  const peer = fakePeer(store);
  try {
    const named = { name: "LA", host: "127.0.0.1" } as Parameters<typeof fetchFromPeer>[0]["peer"];
    await expect(fetchFromPeer({ host: "127.0.0.1", port: peer.port, self: "MV", sinceMs: 0, peer: named })).rejects.toThrow(
      `cannot fetch from LA 127.0.0.1:${peer.port}: it says it is "PA"`,
    );
  } finally {
    peer.stop(true);
    store.close();
  }
  await expect(fetchFromPeer({ host: "127.0.0.1", port: peer.port, self: "MV", sinceMs: 0, timeoutMs: 2000 })).rejects.toThrow(
    /^cannot fetch from peer 127\.0\.0\.1:\d+: /,
  );
});
