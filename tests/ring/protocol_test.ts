import { expect, test } from "bun:test";
import { PacketError, ProtocolError } from "../../lib/errors.ts";
import { readDataBatch } from "../../lib/ring/batch.ts";
import { readRingPacket } from "../../lib/ring/protocol.ts";
import { encodeVars, RING_MODIFIER1 } from "../../lib/packet/mod.ts";

test("a rule broken is a ProtocolError without a byte offset; malformed bytes stay a PacketError", () => {
  const unknown = () => readRingPacket({ modifier1: RING_MODIFIER1, modifier2: 99, payload: new Uint8Array() });
  expect(unknown).toThrow(ProtocolError);
  expect(unknown).toThrow(/^unknown ring message type 99$/);
  expect(() => readDataBatch(encodeVars({ msg: "0x\r\n" }))).toThrow(ProtocolError);
  expect(() => readDataBatch(encodeVars({ id: "a" }))).toThrow(ProtocolError);
  expect(() => readRingPacket({ modifier1: RING_MODIFIER1, modifier2: 3, payload: new Uint8Array([1]) })).toThrow(PacketError);
});
