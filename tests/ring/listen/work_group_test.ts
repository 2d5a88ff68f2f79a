import { afterAll, expect, test } from "bun:test";
import fc from "fast-check";
import { RingStore, type StoredMessage } from "../../../lib/ring/listen/store.ts";
import { type GroupMember, MEMBER_INFLIGHT, WorkGroup } from "../../../lib/ring/listen/work_group.ts";
import { FakeClock } from "../../helpers/fake_clock.ts";
import { removeTmpDirs, tmpDir } from "../../helpers/procs.ts";

afterAll(() => removeTmpDirs());

interface TestMember extends GroupMember {
  got: number[];
}

const member = (ackWaitMs = 1000): TestMember => {
  const got: number[] = [];
  return { got, ackWaitMs, inflight: new Map(), deliver: (m: StoredMessage) => void got.push(m.seq) };
};

const fill = (store: RingStore, n: number, prefix = "job") =>
  store.append(Array.from({ length: n }, (_, i) => ({ id: `${prefix}-${store.lastSeq + i}`, origin: "A", content: `${prefix} ${i}` })));

test("each message goes to one member, in runs, at most MEMBER_INFLIGHT each; acks move the floor", () => {
  const store = RingStore.open(tmpDir());
  fill(store, 2000);
  const floors: number[] = [];
  const g = new WorkGroup("g", "", 1, store, (f) => floors.push(f));
  const [a, b] = [member(), member()];
  g.join(a);
  g.join(b);
  expect(a.inflight.size).toBe(MEMBER_INFLIGHT);
  expect(b.inflight.size).toBe(MEMBER_INFLIGHT);
  expect(new Set([...a.got, ...b.got]).size).toBe(2 * MEMBER_INFLIGHT);
  expect(a.got).toEqual(Array.from({ length: MEMBER_INFLIGHT }, (_, i) => i + 1));
  g.ack(b, [[513, 600]]); // the floor stays at 0: a holds 1-512
  expect(g.floor).toBe(0);
  g.ack(a, [[1, 16]]);
  expect(g.floor).toBe(16);
  expect(floors.at(-1)).toBe(16);
  // Each ack made room: b took 88 more, then a 16 more.
  expect(b.got.slice(MEMBER_INFLIGHT)).toEqual(Array.from({ length: 88 }, (_, i) => 1025 + i));
  expect(a.got.slice(MEMBER_INFLIGHT)).toEqual(Array.from({ length: 16 }, (_, i) => 1113 + i));
  store.close();
});

test("a member that leaves, or lets ack_wait pass, hands its messages to another, first", () => {
  const store = RingStore.open(tmpDir());
  fill(store, 10);
  const clock = new FakeClock(0, 0);
  const g = new WorkGroup("g", "", 1, store, () => {}, clock);
  const a = member(500);
  g.join(a);
  expect(a.got).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  const b = member(500);
  g.join(b);
  expect(b.got).toEqual([]);
  g.ack(a, [[1, 4]]);
  g.leave(a);
  expect(b.got).toEqual([5, 6, 7, 8, 9, 10]);
  expect(g.floor).toBe(4);
  clock.advance(600);
  g.expire(); // b is alone: it gets them again
  expect(b.got).toEqual([5, 6, 7, 8, 9, 10, 5, 6, 7, 8, 9, 10]);
  g.ack(b, [[5, 10]]);
  expect(g.floor).toBe(10);
  store.close();
});

test("with no member the group waits; a prefix skips the rest; retention moves a waiting group on", () => {
  const store = RingStore.open(tmpDir());
  const g = new WorkGroup("g", "job", 1, store, () => {});
  fill(store, 5, "job");
  fill(store, 5, "other");
  g.pump();
  expect(g.next).toBe(1);
  const a = member();
  g.join(a);
  expect(a.got).toEqual([1, 2, 3, 4, 5]);
  g.ack(a, [[1, 5]]);
  expect(g.floor).toBe(10);
  g.leave(a);
  fill(store, 5, "job");
  store.prune({ ageMs: 1 }, Date.now() + 10_000);
  fill(store, 2, "job");
  const b = member();
  g.join(b);
  expect(b.got).toEqual([16, 17]);
  store.close();
});

test("model: under joins, leaves, acks and timeouts no message is held by two members, and all are acknowledged in the end", () => {
  const op = fc.oneof(
    fc.record({ k: fc.constant("join" as const) }),
    fc.record({ k: fc.constant("leave" as const), i: fc.nat() }),
    fc.record({ k: fc.constant("ack" as const), i: fc.nat(), n: fc.nat({ max: 40 }) }),
    fc.record({ k: fc.constant("time" as const), ms: fc.nat({ max: 1500 }) }),
    fc.record({ k: fc.constant("log" as const), n: fc.nat({ max: 300 }) }),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
      const store = RingStore.open(tmpDir());
      const clock = new FakeClock(0, 0);
      const acked = new Set<number>();
      const g = new WorkGroup("g", "", 1, store, () => {}, clock);
      const members: TestMember[] = [];
      const check = () => {
        const held = members.flatMap((m) => [...m.inflight.keys()]);
        expect(new Set(held).size).toBe(held.length);
        for (let s = 1; s <= g.floor; s++) expect(acked.has(s)).toBe(true);
      };
      const ack = (m: TestMember, n: number) => {
        const seqs = [...m.inflight.keys()].slice(0, n);
        for (const s of seqs) acked.add(s);
        g.ack(
          m,
          seqs.map((s) => [s, s] as const),
        );
      };
      for (const o of ops) {
        if (o.k === "join") {
          const m = member(1000);
          members.push(m);
          g.join(m);
        } else if (o.k === "leave" && members.length > 0) g.leave(members.splice(o.i % members.length, 1)[0]!);
        else if (o.k === "ack" && members.length > 0) ack(members[o.i % members.length]!, o.n);
        else if (o.k === "time") {
          clock.advance(o.ms);
          g.expire();
        } else if (o.k === "log" && o.n > 0) {
          fill(store, o.n);
          g.pump();
        }
        check();
      }
      const last = member(1000);
      members.push(last);
      g.join(last);
      for (let round = 0; round < 1000 && g.floor < store.lastSeq; round++) for (const m of members) ack(m, MEMBER_INFLIGHT);
      expect(g.floor).toBe(store.lastSeq);
      for (let s = 1; s <= store.lastSeq; s++) expect(acked.has(s)).toBe(true);
      store.close();
    }),
    { numRuns: 60 },
  );
});

interface TellingMember extends TestMember {
  told: number[];
}

const telling = (ackWaitMs: number): TellingMember => {
  const m = member(ackWaitMs) as TellingMember;
  m.told = [];
  m.moved = (seqs) => void m.told.push(...seqs);
  return m;
};

test("issue 21: a stopped member's messages all move at ack_wait, it is told, gets nothing new, and its late acks are refused", () => {
  const store = RingStore.open(tmpDir());
  const clock = new FakeClock(0, 0);
  const g = new WorkGroup("g", "", 1, store, () => {}, clock);
  const [a, b] = [telling(5000), telling(5000)];
  g.join(a);
  g.join(b);
  // Ten jobs logged one at a time, 300 ms apart: they alternate between a and b.
  for (let i = 0; i < 10; i++) {
    fill(store, 1);
    g.pump();
    clock.advance(300);
    g.expire();
    g.ack(
      b,
      b.got.map((s) => [s, s] as const),
    );
  }
  expect(a.got).toEqual([1, 3, 5, 7, 9]);
  // a is stopped: it acknowledges nothing. Each of its jobs moves to b at its own ack_wait
  // (checked every 250 ms, as the node does), none comes back to a.
  const movedAt = new Map<number, number>();
  for (let t = 0; t < 20_000; t += 250) {
    clock.advance(250);
    g.expire();
    for (const s of b.got) if (a.got.includes(s) && !movedAt.has(s)) movedAt.set(s, clock.monotonic());
    g.ack(
      b,
      b.got.map((s) => [s, s] as const),
    );
  }
  expect([...movedAt.keys()].sort((x, y) => x - y)).toEqual([1, 3, 5, 7, 9]);
  for (const [seq, at] of movedAt) {
    const deliveredAt = (seq - 1) * 300; // job k (seq k) was delivered at (k - 1) * 300 ms
    expect(at - deliveredAt).toBeGreaterThanOrEqual(5000);
    expect(at - deliveredAt).toBeLessThanOrEqual(5250 + 300);
  }
  expect(a.got).toEqual([1, 3, 5, 7, 9]);
  expect(a.told.sort((x, y) => x - y)).toEqual([1, 3, 5, 7, 9]);
  expect(g.redeliveries).toBe(5);
  // a wakes up and acknowledges what it had: refused, and the floor is b's doing alone.
  expect(g.ack(a, [[1, 9]])).toEqual([1, 3, 5, 7, 9]);
  expect(g.lateAcks).toBe(5);
  expect(g.floor).toBe(10);
  store.close();
});

test("a stalled member gets work again after its ack_wait, and at once when it is alone", () => {
  const store = RingStore.open(tmpDir());
  const clock = new FakeClock(0, 0);
  const g = new WorkGroup("g", "", 1, store, () => {}, clock);
  const a = telling(1000);
  g.join(a);
  fill(store, 2);
  g.pump();
  clock.advance(1000);
  g.expire(); // alone: told, and given them again
  expect(a.told).toEqual([1, 2]);
  expect(a.got).toEqual([1, 2, 1, 2]);
  expect(g.ack(a, [[1, 2]])).toEqual([]); // it holds them again: accepted
  expect(g.floor).toBe(2);
  const b = telling(1000);
  g.join(b);
  fill(store, 1);
  g.pump(); // a acknowledged: not stalled any more; the turn decides
  clock.advance(1000);
  g.expire();
  const stalled = [a, b].find((m) => m.told.includes(3))!;
  expect(g.stalled(stalled)).toBe(true);
  clock.advance(1000);
  expect(g.stalled(stalled)).toBe(false);
  store.close();
});
