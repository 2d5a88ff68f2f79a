import { expect, test } from "bun:test";
import { EMPEROR_BYTES, isReady, parseVassalBytes } from "../../lib/emperor/emperor_protocol.ts";

test("each byte from a vassal is one message", () => {
  expect(parseVassalBytes(new Uint8Array([1, 5, 17, 22, 26, 99]))).toEqual([
    "spawned",
    "accepting",
    "loyal",
    "voluntary_shutdown",
    "heartbeat",
    { unknown: 99 },
  ]);
  expect(parseVassalBytes(new Uint8Array([]))).toEqual([]);
});

test("ready at 5 or 1, not at the others", () => {
  expect(parseVassalBytes(new Uint8Array([1, 5, 17, 22, 26, 0])).map(isReady)).toEqual([true, true, false, false, false, false]);
});

test("the emperor sends 0 to stop and 1 to reload", () => {
  expect(EMPEROR_BYTES).toEqual({ stop: 0, reload: 1 });
});
