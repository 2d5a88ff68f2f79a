import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import type { Conn } from "../../lib/net/mod.ts";
import { PacketDecoder, RING_MODIFIER1 } from "../../lib/packet/mod.ts";
import { LISTENER_BUFFER, Listeners } from "../../lib/ring/listeners.ts";
import { RingStore } from "../../lib/ring/listen/store.ts";
import { subscribeRequest } from "../../lib/ring/listen/subscribe_request.ts";
import { readRingPacket, RingType } from "../../lib/ring/protocol.ts";
import { removeTmpDirs, tmpDir } from "../helpers/procs.ts";
import { failingWrites } from "../helpers/store_files.ts";

afterAll(() => removeTmpDirs());

/** A connection that keeps what is written to it, decoded. */
class TestConn implements Conn {
  readonly got: { type: number; vars: Record<string, string> }[] = [];
  bufferedBytes = 0;
  closed = false;
  readonly remote = "127.0.0.1:1";
  readonly peerNames: string[] = [];
  readonly authorized = false;
  #closers: ((err?: Error) => void)[] = [];
  #decoder = new PacketDecoder({ modifier1: RING_MODIFIER1 });
  write(bytes: Uint8Array): void {
    for (const p of this.#decoder.push(bytes)) {
      const m = readRingPacket(p);
      this.got.push({ type: m.type, vars: Object.fromEntries(Object.entries(m.vars).map(([k, v]) => [k, new TextDecoder().decode(v)])) });
    }
  }
  onData(): void {}
  onDrain(): void {}
  flush(): void {}
  onClose(cb: (err?: Error) => void): void {
    this.#closers.push(cb);
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.#closers) c();
  }
  events(): string[] {
    return this.got.filter((g) => g.type === RingType.EVENT).map((g) => `${g.vars.seq} ${g.vars.id}`);
  }
}

const msgs = (tag: string, n: number) => Array.from({ length: n }, (_, i) => ({ id: `${tag}-${i}`, origin: "A", content: `${tag} ${i}` }));

test("live listeners get each logged message with its seq at once, also while the store cannot write; the store writes them later, in order", () => {
  const dir = tmpDir();
  const writes = failingWrites();
  const store = RingStore.open(dir, { writeAt: writes.writeAt });
  const hub = new Listeners(store);
  const all = new TestConn();
  const only = new TestConn();
  expect(hub.subscribe(all, subscribeRequest({}))).toEqual({ id: "subscribe", seq: "0" });
  hub.subscribe(only, subscribeRequest({ prefix: "b" }));
  hub.logged(msgs("a", 2));
  store.flush();
  // The store's writes fail (a full disk).
  writes.failing = true;
  hub.logged(msgs("b", 1));
  expect(() => store.flush()).toThrow();
  expect(all.events()).toEqual(["1 a-0", "2 a-1", "3 b-0"]);
  writes.failing = false;
  hub.logged(msgs("c", 1));
  store.flush();
  expect(all.events()).toEqual(["1 a-0", "2 a-1", "3 b-0", "4 c-0"]);
  expect(only.events()).toEqual(["3 b-0"]);
  store.close();
  const reopened = RingStore.open(dir);
  expect(reopened.read(1, 10).map((m) => `${m.seq} ${m.id}`)).toEqual(["1 a-0", "2 a-1", "3 b-0", "4 c-0"]);
  reopened.close();
});

test("a live listener past LISTENER_BUFFER is told why and dropped; the others go on", () => {
  const hub = new Listeners(RingStore.open(tmpDir()));
  const slow = new TestConn();
  const fast = new TestConn();
  hub.subscribe(slow, subscribeRequest({}));
  hub.subscribe(fast, subscribeRequest({}));
  slow.bufferedBytes = LISTENER_BUFFER + 1;
  hub.logged(msgs("a", 1));
  expect(slow.closed).toBe(true);
  expect(slow.got.at(-1)).toEqual({
    type: RingType.ERROR,
    vars: { reason: `listener too slow: more than ${LISTENER_BUFFER} bytes unsent, dropped` },
  });
  expect(fast.events()).toEqual(["1 a-0"]);
  expect(hub.dropped).toBe(1);
  expect(hub.size).toBe(1);
});

test("a replay sends what is stored, CAUGHT_UP, then live; a durable position follows acks and a second connection takes over", async () => {
  const store = RingStore.open(tmpDir());
  const hub = new Listeners(store);
  hub.logged(msgs("old", 3));
  const c = new TestConn();
  expect(hub.subscribe(c, subscribeRequest({ since: "2", durable: "d" }))).toEqual({ id: "subscribe", seq: "3", from: "2" });
  await Promise.resolve();
  hub.logged(msgs("new", 1));
  expect(c.got.map((g) => (g.type === RingType.EVENT ? g.vars.seq : `caught up ${g.vars.seq}`))).toEqual(["2", "3", "caught up 3", "4"]);
  hub.ack(c, [[2, 9]]); // clamped to what was sent
  hub.flush();
  expect(store.position("durable:d")).toBe(4);
  const next = new TestConn();
  expect(hub.subscribe(next, subscribeRequest({ durable: "d", since: "all" }))).toEqual({ id: "subscribe", seq: "4", from: "5" });
  expect(c.closed).toBe(true);
  expect(c.got.at(-1)!.vars.reason).toBe("durable d was taken over by 127.0.0.1:1");
  expect(() => hub.subscribe(next, subscribeRequest({}))).toThrow("this connection is subscribed already");
  store.close();
});
