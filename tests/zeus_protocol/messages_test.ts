import { expect, test } from "bun:test";
import fc from "fast-check";
import { ProtocolError } from "../../lib/errors.ts";
import { encodePacket, encodeVars, PacketDecoder, ZEUS_MODIFIER1 } from "../../lib/packet/mod.ts";
import {
  ConfigAssembler,
  configMessages,
  decodeMessage,
  encodeMessage,
  MSG,
  reportMessages,
  sha256Hex,
  type ZeusMessage,
} from "../../lib/zeus_protocol/mod.ts";

const roundTrip = (m: ZeusMessage, from: "emperor" | "zeus") => {
  const [p] = new PacketDecoder({ modifier1: ZEUS_MODIFIER1 }).push(encodePacket(encodeMessage(m)));
  return decodeMessage(p!, from);
};

test("every seed message keeps its number and round-trips", () => {
  expect(MSG.I_AM_ALIVE).toBe(0);
  expect(MSG.VASSAL_DESTROYED).toBe(11);
  const fromEmperor: ZeusMessage[] = [
    { type: "I_AM_ALIVE", node: "node001", maxVassals: 100, runningVassals: 17 },
    { type: "ACCEPTED_VASSAL", name: "foobar.ini" },
    { type: "VASSAL_SPAWNED", name: "foobar.ini", pid: 4242, restarts: 1 },
    { type: "VASSAL_REJECTED", name: "foobar.ini", reason: "full: 3 of 3 vassals" },
    { type: "VASSAL_RELOADED", name: "foobar.ini", pid: 7, restarts: 0 },
    { type: "VASSAL_DESTROYED", name: "foobar.ini" },
    { type: "REPORT_END", count: 2 },
    { type: "ERROR", reason: "bad" },
  ];
  for (const m of fromEmperor) expect(roundTrip(m, "emperor")).toEqual(m);
  const fromZeus: ZeusMessage[] = [
    { type: "NEW_VASSAL", name: "foobar.ini" },
    { type: "CONFIG_CHUNK", name: "foobar.ini", body: new TextEncoder().encode("[uwsgi]\n") },
    { type: "CONFIG_END", name: "foobar.ini", sha256: "a".repeat(64) },
    { type: "VASSAL_RELOAD", name: "foobar.ini" },
    { type: "VASSAL_UPDATE", name: "foobar.ini" },
    { type: "VASSAL_DESTROY", name: "foobar.ini" },
  ];
  for (const m of fromZeus) expect(roundTrip(m, "zeus")).toEqual(m);
});

test("unknown types, wrong direction and missing vars are protocol errors that say so", () => {
  const p = (modifier2: number, vars: Record<string, string>) => ({ modifier1: ZEUS_MODIFIER1, modifier2, payload: encodeVars(vars) });
  expect(() => decodeMessage(p(99, {}), "emperor")).toThrow(new ProtocolError("unknown Zeus message type 99"));
  expect(() => decodeMessage(p(1, { name: "x.ini" }), "emperor")).toThrow("NEW_VASSAL (type 1) may not be sent by an emperor");
  expect(() => decodeMessage(p(0, { node: "n" }), "emperor")).toThrow('I_AM_ALIVE has no "max_vassals" var');
  expect(() => decodeMessage(p(0, { node: "n", max_vassals: "x", running_vassals: "0" }), "emperor")).toThrow("not a non-negative integer");
  expect(() => decodeMessage(p(4, { name: "a", sha256: "zz" }), "zeus")).toThrow("is not 64 hex digits");
});

test("a 100 KB config goes in chunks that each fit a packet and reassemble with a matching digest", () => {
  const body = new Uint8Array(100_000).map((_, i) => (i * 7) % 251);
  const msgs = configMessages("big.toml", body);
  expect(msgs.length).toBe(3);
  const a = new ConfigAssembler();
  a.begin("big.toml");
  for (const m of msgs) {
    const packet = encodeMessage(m);
    expect(packet.payload.byteLength).toBeLessThanOrEqual(65535);
    const d = roundTrip(m, "zeus");
    if (d.type === "CONFIG_CHUNK") a.chunk(d.name, d.body);
    if (d.type === "CONFIG_END") {
      const r = a.end(d.name, d.sha256)!;
      expect(r.ok).toBe(true);
      expect(r.body).toEqual(body);
    }
  }
  a.begin("big.toml");
  a.chunk("big.toml", body.subarray(1));
  expect(a.end("big.toml", sha256Hex(body))!.ok).toBe(false);
});

test("property: any config body and name survives chunking", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 140_000 }), fc.stringMatching(/^[A-Za-z0-9._-]{1,255}$/), (body, name) => {
      const a = new ConfigAssembler();
      a.begin(name);
      let result;
      for (const m of configMessages(name, body)) {
        const d = roundTrip(m, "zeus");
        if (d.type === "CONFIG_CHUNK") a.chunk(d.name, d.body);
        if (d.type === "CONFIG_END") result = a.end(d.name, d.sha256);
      }
      expect(result!.ok).toBe(true);
      expect(result!.body).toEqual(body);
    }),
    { numRuns: 30 },
  );
});

test("a report of 3000 vassals splits into packets under the limit and round-trips", () => {
  const vassals = Array.from({ length: 3000 }, (_, i) => ({
    name: `vassal-${i}.toml`,
    pid: 1000 + i,
    restarts: i % 3,
    sha256: sha256Hex(new Uint8Array([i])),
  }));
  const msgs = reportMessages(vassals);
  expect(msgs.at(-1)).toEqual({ type: "REPORT_END", count: 3000 });
  const back = msgs.slice(0, -1).flatMap((m) => {
    const d = roundTrip(m, "emperor");
    return d.type === "VASSAL_REPORT" ? d.vassals : [];
  });
  expect(back).toEqual(vassals);
});

test("VASSAL_STATE (15) and I_AM_ALIVE's labels round-trip; bad ones are protocol errors", () => {
  expect(MSG.VASSAL_STATE).toBe(15);
  const msgs: ZeusMessage[] = [
    { type: "I_AM_ALIVE", node: "e1", maxVassals: 10, runningVassals: 0, labels: { zone: "a", ssd: "" } },
    { type: "VASSAL_STATE", name: "web.toml", state: "backoff", pid: 0, restarts: 3, exitCode: 127, streak: 3 },
    { type: "VASSAL_STATE", name: "web.toml", state: "backoff", pid: 0, restarts: 1, exitSignal: "SIGKILL" },
    { type: "VASSAL_STATE", name: "web.toml", state: "running", pid: 7, restarts: 0, health: "unhealthy", check: "HTTP 500" },
  ];
  for (const m of msgs) expect(roundTrip(m, "emperor")).toEqual(m);
  const p = (vars: Record<string, string>) => ({ modifier1: ZEUS_MODIFIER1, modifier2: 15, payload: encodeVars(vars) });
  expect(() => decodeMessage(p({ name: "a", state: "dancing" }), "emperor")).toThrow('VASSAL_STATE state "dancing" is unknown');
  expect(() => decodeMessage(p({ name: "a", state: "running", health: "meh" }), "emperor")).toThrow('health "meh" is unknown');
  expect(() => decodeMessage(p({ name: "a", state: "running" }), "zeus")).toThrow("may not be sent by zeus");
  const alive = {
    modifier1: ZEUS_MODIFIER1,
    modifier2: 0,
    payload: encodeVars({ node: "n", max_vassals: "1", running_vassals: "0", "l.a b": "x" }),
  };
  expect(() => decodeMessage(alive, "emperor")).toThrow('I_AM_ALIVE label "l.a b" is not "l.KEY"');
});

test("VASSAL_STATE's stderr (the last line before the exit) round-trips; an older emperor's state without it decodes as before", () => {
  const m: ZeusMessage = {
    type: "VASSAL_STATE",
    name: "web.toml",
    state: "backoff",
    pid: 0,
    restarts: 2,
    exitCode: 1,
    streak: 2,
    stderr: "OSError: [Errno 98] Address already in use",
  };
  expect(roundTrip(m, "emperor")).toEqual(m);
  const old = {
    modifier1: ZEUS_MODIFIER1,
    modifier2: 15,
    payload: encodeVars({ name: "a", state: "backoff", pid: "0", restarts: "1", exit: "1" }),
  };
  expect(decodeMessage(old, "emperor")).toEqual({ type: "VASSAL_STATE", name: "a", state: "backoff", pid: 0, restarts: 1, exitCode: 1 });
});
