import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import {
  decodeVars,
  decodeVarsBytes,
  encodePacket,
  encodePackets,
  encodeVars,
  encodeVarsPacket,
  PacketDecoder,
  PacketError,
} from "../../mod.ts";

const vars = fc.dictionary(fc.string({ maxLength: 40 }), fc.string({ maxLength: 200 }), { maxKeys: 12 });
const packet = fc.record({
  modifier1: fc.integer({ min: 0, max: 255 }),
  modifier2: fc.integer({ min: 0, max: 255 }),
  payload: fc.uint8Array({ maxLength: 3000 }),
});

/** Splits `bytes` at the given cut points (any order, any count). */
function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const parts: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...points, bytes.length]) {
    parts.push(bytes.slice(prev, p));
    prev = p;
  }
  return parts;
}

describe("encodePacket", () => {
  test("writes the uwsgi header: modifier1, little-endian size, modifier2", () => {
    const bytes = encodePacket({ modifier1: 7, modifier2: 9, payload: new Uint8Array(300) });
    expect([...bytes.subarray(0, 4)]).toEqual([7, 300 & 0xff, 300 >> 8, 9]);
    expect(bytes.length).toBe(304);
  });
  test("rejects a payload over 65535 bytes with RangeError", () => {
    expect(() => encodePacket({ modifier1: 0, modifier2: 0, payload: new Uint8Array(65536) })).toThrow(RangeError);
    expect(encodePacket({ modifier1: 0, modifier2: 0, payload: new Uint8Array(65535) }).length).toBe(65539);
  });
  test("rejects modifiers outside 0..255", () => {
    expect(() => encodePacket({ modifier1: 256, modifier2: 0, payload: new Uint8Array(0) })).toThrow(RangeError);
    expect(() => encodePacket({ modifier1: 0, modifier2: -1, payload: new Uint8Array(0) })).toThrow(RangeError);
  });
});

describe("vars", () => {
  test("known bytes", () => {
    expect([...encodeVars({ a: "bc" })]).toEqual([1, 0, 97, 2, 0, 98, 99]);
  });
  test("round trip (property)", () => {
    fc.assert(
      fc.property(vars, (v) => {
        expect(decodeVars(encodeVars(v))).toEqual(Object.assign(Object.create(null), v));
      }),
    );
  });
  test("round trip with any Unicode keys, short and long (property)", () => {
    const unicode = fc.dictionary(fc.string({ unit: "binary", maxLength: 40 }), fc.string({ unit: "binary", maxLength: 50 }), {
      maxKeys: 8,
    });
    fc.assert(
      fc.property(unicode, (v) => {
        expect(decodeVars(encodeVars(v))).toEqual(Object.assign(Object.create(null), v));
      }),
    );
  });
  test("encodeVarsPacket gives the bytes of encodePacket over encodeVars (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), vars, (modifier1, modifier2, v) => {
        expect(encodeVarsPacket(modifier1, modifier2, v)).toEqual(encodePacket({ modifier1, modifier2, payload: encodeVars(v) }));
      }),
    );
    expect(() => encodeVarsPacket(256, 0, {})).toThrow(RangeError);
    expect(() => encodeVarsPacket(0, 0, { big: new Uint8Array(65530) })).toThrow(RangeError);
  });
  test("binary values survive decodeVarsBytes", () => {
    const body = new Uint8Array([0, 255, 128, 10]);
    expect([...decodeVarsBytes(encodeVars({ body })).body!]).toEqual([0, 255, 128, 10]);
  });
  test("truncated var, length past the end and bad UTF-8 key are PacketErrors with the byte", () => {
    expect(() => decodeVars(new Uint8Array([1]))).toThrow(/truncated key length \(at byte 0\)/);
    expect(() => decodeVars(new Uint8Array([1, 0, 97, 5, 0, 98]))).toThrow(/value length 5 runs past the end.*at byte 3/);
    expect(() => decodeVars(new Uint8Array([1, 0, 0xff, 0, 0]))).toThrow(/key is not valid UTF-8 \(at byte 2\)/);
    expect(() => decodeVars(new Uint8Array([1]))).toThrow(PacketError);
  });
  test("random bytes never throw anything but PacketError (property)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          decodeVars(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(PacketError);
        }
      }),
    );
  });
});

describe("PacketDecoder", () => {
  test("any chunking of a packet stream decodes the same packets (property)", () => {
    fc.assert(
      fc.property(fc.array(packet, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 20 }), (packets, cuts) => {
        const stream = encodePackets(packets);
        const d = new PacketDecoder();
        const out = split(stream, cuts).flatMap((c) => d.push(c));
        expect(out.map((p) => ({ ...p, payload: [...p.payload] }))).toEqual(packets.map((p) => ({ ...p, payload: [...p.payload] })));
        expect(d.buffered).toBe(0);
      }),
    );
  });
  test("payloads stay intact after later pushes", () => {
    const d = new PacketDecoder();
    const a = encodePacket({ modifier1: 1, modifier2: 2, payload: new Uint8Array([1, 2, 3]) });
    const first = d.push(a.subarray(0, 5));
    expect(first).toEqual([]);
    const [p] = d.push(a.subarray(5));
    d.push(encodePacket({ modifier1: 1, modifier2: 2, payload: new Uint8Array([9, 9, 9]) }).subarray(0, 6));
    expect([...p!.payload]).toEqual([1, 2, 3]);
  });
  test("rejects a payload over maxPayload and a packet of another family", () => {
    expect(() => new PacketDecoder({ maxPayload: 10 }).push(new Uint8Array([0, 11, 0, 0]))).toThrow(/exceeds the limit of 10/);
    expect(() => new PacketDecoder({ modifier1: 222, family: "ring" }).push(new Uint8Array([0, 0, 0, 0]))).toThrow(
      /modifier1 0 where the ring protocol/,
    );
  });
  test("random bytes never throw anything but PacketError (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 100 }), { maxLength: 5 }), (chunks) => {
        const d = new PacketDecoder({ maxPayload: 1000, modifier1: 222 });
        try {
          for (const c of chunks) d.push(c);
        } catch (e) {
          expect(e).toBeInstanceOf(PacketError);
        }
      }),
    );
  });
});
