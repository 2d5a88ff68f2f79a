import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { DataBatchWriter, dataBatchPackets, forEachDataItem, okBatchPackets, readDataBatch, readOkBatch } from "../../lib/ring/batch.ts";
import { rewrap } from "../../lib/ring/message.ts";
import { PacketDecoder, RING_MODIFIER1 } from "../../lib/packet/mod.ts";
import { readRingPacket, RingType } from "../../lib/ring/protocol.ts";
import { encodeVars } from "../../lib/packet/mod.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const idArb = fc.stringMatching(/^[A-Za-z0-9._:-]{1,64}$/);
const itemArb = fc.record({
  id: idArb,
  msg: fc.oneof(fc.uint8Array({ minLength: 0, maxLength: 600 }), fc.string({ unit: "binary", maxLength: 200 })),
  origin: fc.option(fc.stringMatching(/^[A-Z]{1,12}$/), { nil: undefined }),
});

/** Packets back to one stream, through the real decoder. */
function decodeAll(packets: Uint8Array[], maxPayload: number) {
  const d = new PacketDecoder({ maxPayload, modifier1: RING_MODIFIER1, family: "ring" });
  return packets.flatMap((p) => d.push(p)).map(readRingPacket);
}

describe("batches on the wire", () => {
  test("property: DATA_BATCH packets give back every message in order, each payload within the limit", () => {
    fc.assert(
      fc.property(fc.array(itemArb, { minLength: 1, maxLength: 300 }), fc.integer({ min: 700, max: 16384 }), (items, max) => {
        const packets = dataBatchPackets(RingType.DATA_BATCH, items, max);
        const msgs = decodeAll(packets, max);
        expect(msgs.every((m) => m.type === RingType.DATA_BATCH && m.payload.byteLength <= max)).toBe(true);
        const back = msgs.flatMap((m) => readDataBatch(m.payload));
        expect(back.map((b) => ({ id: b.id, msg: [...b.msg], origin: b.origin }))).toEqual(
          items.map((i) => ({ id: i.id, msg: [...(typeof i.msg === "string" ? enc(i.msg) : i.msg)], origin: i.origin })),
        );
      }),
      { numRuns: 200 },
    );
  });

  test("property: OK_BATCH packets give back every id in order", () => {
    fc.assert(
      fc.property(fc.array(idArb, { minLength: 1, maxLength: 2000 }), fc.integer({ min: 70, max: 16384 }), (ids, max) => {
        const msgs = decodeAll(okBatchPackets(RingType.OK_BATCH, ids, max), max);
        expect(msgs.every((m) => m.type === RingType.OK_BATCH)).toBe(true);
        expect(msgs.flatMap((m) => readOkBatch(m.payload))).toEqual(ids);
      }),
      { numRuns: 100 },
    );
  });

  test("a full packet is cut exactly at the limit", () => {
    const items = Array.from({ length: 10 }, (_, k) => ({ id: `c-${k}`, msg: enc("0hello\r\n") }));
    const one = 6 + 3 + 7 + 8; // id pair + msg pair
    const packets = dataBatchPackets(RingType.DATA_BATCH, items, one * 3);
    expect(packets.map((p) => p.byteLength - 4)).toEqual([one * 3, one * 3, one * 3, one]);
    // One byte less and a third message no longer fits.
    const smaller = dataBatchPackets(RingType.DATA_BATCH, items, one * 3 - 1);
    expect(smaller.map((p) => p.byteLength - 4)).toEqual([one * 2, one * 2, one * 2, one * 2, one * 2]);
  });

  test("a message larger than a packet is a RangeError, not a broken packet", () => {
    expect(() => dataBatchPackets(RingType.DATA_BATCH, [{ id: "a", msg: new Uint8Array(100) }], 50)).toThrow(RangeError);
  });

  test("malformed batches are PacketErrors that say what is wrong", () => {
    expect(() => readDataBatch(encodeVars({ msg: "0x\r\n" }))).toThrow(/DATA_BATCH var "msg" before any id/);
    expect(() => readDataBatch(encodeVars({ id: "a" }))).toThrow(/message "a" of a DATA_BATCH has no msg/);
    expect(() => readDataBatch(new Uint8Array([2, 0, 0x69]))).toThrow(/runs past the end/);
    expect(() => readOkBatch(new Uint8Array([1]))).toThrow(/truncated key length/);
  });

  test("each message keeps its own origin: one of the same length that differs is not taken for the one before", () => {
    const origins = ["MV", "PA", "PA", "MV", "G", "LA", "S", "LA"];
    const items = origins.map((origin, k) => ({ id: `i-${k}`, msg: "0x\r\n", origin }));
    const [packet] = dataBatchPackets(RingType.DATA_BATCH, items, 16384);
    expect(readDataBatch(packet!.subarray(4)).map((it) => it.origin)).toEqual(origins);
  });

  test("a one-message DATA is still what it was (vars id and msg)", () => {
    const m = readRingPacket({ modifier1: RING_MODIFIER1, modifier2: RingType.DATA, payload: encodeVars({ id: "x-1", msg: "0hi\r\n" }) });
    expect(new TextDecoder().decode(m.vars.msg)).toBe("0hi\r\n");
  });

  test("property: a forward of the bytes received, with its wrapping digit, makes the packets the text would, and leaves the bytes as they were", () => {
    const fwdArb = fc.record({
      id: idArb,
      received: fc.integer({ min: 0, max: 9 }),
      wrapping: fc.integer({ min: 0, max: 9 }),
      content: fc.string({ unit: "grapheme", maxLength: 120 }).filter((c) => !/[\r\n]/.test(c)),
      origin: fc.stringMatching(/^[A-Z]{1,12}$/),
    });
    fc.assert(
      fc.property(fc.array(fwdArb, { minLength: 1, maxLength: 40 }), fc.integer({ min: 400, max: 4000 }), (fwds, max) => {
        const bytes = fwds.map((f) => enc(`${f.received}${f.content}\r\n`));
        const asText = fwds.map((f) => ({ id: f.id, msg: `${f.wrapping}${f.content}\r\n`, origin: f.origin }));
        const asBytes = new DataBatchWriter(RingType.DATA_BATCH, max);
        fwds.forEach((f, i) => asBytes.add(f.id, bytes[i]!, f.origin, f.wrapping));
        const concat = (ps: Uint8Array[]) => Buffer.concat(ps);
        expect(concat(asBytes.finish())).toEqual(concat(dataBatchPackets(RingType.DATA_BATCH, asText, max)));
        // A peer that takes one DATA each gets the same message (rewrap).
        fwds.forEach((f, i) => expect(Buffer.from(rewrap(bytes[i]!, f.wrapping)).toString()).toBe(asText[i]!.msg));
        fwds.forEach((f, i) => expect(bytes[i]![0]).toBe(48 + f.received));
      }),
    );
  });

  test("property: a message added with prompt reads back with sync = 1, the others without; a reader that does not know the var gets the same messages", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(itemArb, fc.boolean()), { minLength: 1, maxLength: 100 }), (items) => {
        const w = new DataBatchWriter(RingType.DATA_BATCH, 16384);
        for (const [it, prompt] of items) w.add(it.id, it.msg, it.origin, undefined, prompt);
        const msgs = decodeAll(w.finish(), 16384);
        const back: { id: string; prompt: boolean }[] = [];
        for (const m of msgs) forEachDataItem(m.payload, (id, _msg, _origin, prompt) => back.push({ id, prompt }));
        expect(back).toEqual(items.map(([it, prompt]) => ({ id: it.id, prompt })));
        const plain = msgs.flatMap((m) => readDataBatch(m.payload)).map((b) => ({ id: b.id, msg: [...b.msg], origin: b.origin }));
        expect(plain).toEqual(
          items.map(([i]) => ({ id: i.id, msg: [...(typeof i.msg === "string" ? enc(i.msg) : i.msg)], origin: i.origin })),
        );
      }),
      { numRuns: 200 },
    );
  });
});
