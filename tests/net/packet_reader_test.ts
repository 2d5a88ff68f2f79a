import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { configureSync, getLogger, type LogRecord, resetSync } from "@logtape/logtape";
import fc from "fast-check";
import { ProtocolError } from "../../lib/errors.ts";
import { type Conn, dial, listen, readPackets, type ReadFailure } from "../../lib/net/mod.ts";
import { encodePacket, type Packet } from "../../lib/packet/mod.ts";
import { Cleanup, closed, nextConn, readBytes } from "./_sockets.ts";

const records: LogRecord[] = [];
const log = getLogger(["test", "reader"]);
beforeAll(() =>
  configureSync({
    reset: true,
    sinks: { mem: (r) => void records.push(r) },
    loggers: [
      { category: ["test"], lowestLevel: "debug", sinks: ["mem"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["mem"] },
    ],
  }),
);
afterAll(() => resetSync());
beforeEach(() => void (records.length = 0));

/** A connection fed by hand: what the reader wrote and whether it closed are kept. */
class HandConn implements Conn {
  written: Uint8Array[] = [];
  closeCalls = 0;
  #data: (chunk: Uint8Array) => void = () => {};
  readonly remote = "192.0.2.7:4000";
  readonly peerNames: string[] = [];
  readonly authorized = false;
  readonly bufferedBytes = 0;
  readonly closed = false;
  write(bytes: Uint8Array): void {
    this.written.push(bytes);
  }
  onData(cb: (chunk: Uint8Array) => void): void {
    this.#data = cb;
  }
  onClose(): void {}
  onDrain(): void {}
  flush(): void {}
  close(): void {
    this.closeCalls++;
  }
  feed(chunk: Uint8Array): void {
    this.#data(chunk);
  }
}

const MOD1 = 77;
const packet = (modifier2: number, text: string): Uint8Array =>
  encodePacket({ modifier1: MOD1, modifier2, payload: new TextEncoder().encode(text) });
const text = (p: Packet) => `${p.modifier2}:${new TextDecoder().decode(p.payload)}`;
const answer = (reason: string) => new TextEncoder().encode(`ERR ${reason}`);
const messages = () =>
  records.map((r) => ({ level: r.level, text: r.message.map((m) => (typeof m === "string" ? m : String(m))).join("") }));

function reader(onPacket: (p: Packet) => void, extra: { onFailure?: (f: ReadFailure) => void; onChunk?: (partial: boolean) => void } = {}) {
  const conn = new HandConn();
  const r = readPackets(conn, {
    decoder: { modifier1: MOD1, family: "test", maxPayload: 100 },
    what: "peer",
    log,
    onPacket,
    answer,
    ...extra,
  });
  return { conn, r };
}

describe("readPackets", () => {
  test("any chunking of a stream of packets gives the same packets, in order", () => {
    const gen = fc.record({
      packets: fc.array(fc.tuple(fc.integer({ min: 0, max: 255 }), fc.string({ maxLength: 60 })), { maxLength: 20 }),
      cuts: fc.array(fc.nat(), { maxLength: 30 }),
    });
    fc.assert(
      fc.property(gen, ({ packets, cuts }) => {
        const got: string[] = [];
        const partials: boolean[] = [];
        const { conn } = reader((p) => got.push(text(p)), { onChunk: (partial) => partials.push(partial) });
        const bytes = Buffer.concat(packets.map(([m2, t]) => packet(m2, t)));
        const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        let from = 0;
        for (const to of [...at, bytes.length]) {
          conn.feed(new Uint8Array(bytes.subarray(from, to)));
          from = to;
        }
        expect(got).toEqual(packets.map(([m2, t]) => `${m2}:${t}`));
        expect(partials.at(-1)).toBe(false);
        expect(conn.closeCalls).toBe(0);
      }),
    );
  });

  test("malformed bytes: logged on one line as the peer's, answered with the reason, closed, and nothing read after", () => {
    const got: string[] = [];
    const failures: ReadFailure[] = [];
    const { conn, r } = reader((p) => got.push(text(p)), { onFailure: (f) => failures.push(f) });
    conn.feed(packet(1, "ok"));
    conn.feed(Buffer.from("GET / HTTP/1.1\r\n"));
    conn.feed(packet(2, "after"));
    expect(got).toEqual(["1:ok"]);
    expect(conn.closeCalls).toBe(1);
    expect(r.stopped).toBe(true);
    expect(new TextDecoder().decode(conn.written[0])).toMatch(
      /^ERR packet of modifier1 71 where the test protocol \(modifier1 77\) was expected/,
    );
    expect(failures.map((f) => f.kind)).toEqual(["bad-input"]);
    expect(messages()).toEqual([
      { level: "warning", text: expect.stringMatching(/^closing peer connection from 192\.0\.2\.7:4000: packet of modifier1 71 /) },
    ]);
  });

  test("a payload over the limit is bad input", () => {
    const { conn } = reader(() => {});
    conn.feed(packet(0, "x".repeat(101)));
    expect(conn.closeCalls).toBe(1);
    expect(new TextDecoder().decode(conn.written[0])).toMatch(/exceeds the limit of 100/);
  });

  test("a ProtocolError thrown by the handler is bad input, answered with its reason", () => {
    const { conn } = reader((p) => {
      if (p.modifier2 === 9) throw new ProtocolError("unknown test message type 9");
    });
    conn.feed(Buffer.concat([packet(9, ""), packet(1, "")]));
    expect(new TextDecoder().decode(conn.written[0])).toBe("ERR unknown test message type 9");
    expect(messages()).toEqual([{ level: "warning", text: "closing peer connection from 192.0.2.7:4000: unknown test message type 9" }]);
    expect(conn.closeCalls).toBe(1);
  });

  test("the handler's own bug is logged as an internal error with its stack, never told to the peer", () => {
    const failures: ReadFailure[] = [];
    const got: string[] = [];
    const { conn } = reader(
      (p) => {
        got.push(text(p));
        if (p.modifier2 === 3) (undefined as unknown as { x: number }).x;
      },
      { onFailure: (f) => failures.push(f) },
    );
    conn.feed(Buffer.concat([packet(3, "boom"), packet(4, "next")]));
    expect(got).toEqual(["3:boom"]);
    expect(conn.written).toEqual([]);
    expect(conn.closeCalls).toBe(1);
    expect(failures.map((f) => [f.kind, f.error instanceof TypeError])).toEqual([["internal", true]]);
    const m = messages();
    expect(m.length).toBe(1);
    expect(m[0]!.level).toBe("error");
    expect(m[0]!.text).toMatch(/^internal error handling a packet from peer 192\.0\.2\.7:4000: TypeError: .*\n\s+at /s);
  });

  test("stop() drops the rest of the chunk and what comes later; fail() reports a packet handled later", () => {
    const got: string[] = [];
    const { conn, r } = reader((p) => {
      got.push(text(p));
      if (p.modifier2 === 1) r.stop();
    });
    conn.feed(Buffer.concat([packet(1, "a"), packet(2, "b")]));
    conn.feed(packet(3, "c"));
    expect(got).toEqual(["1:a"]);
    expect(conn.closeCalls).toBe(0);

    const later = reader(() => {});
    later.r.fail(new ProtocolError("late"));
    later.r.fail(new ProtocolError("twice"));
    expect(later.conn.closeCalls).toBe(1);
    expect(later.conn.written.map((b) => new TextDecoder().decode(b))).toEqual(["ERR late"]);
  });
});

describe("readPackets over a socket", () => {
  const opened = new Cleanup();
  afterAll(() => opened.closeAll());

  test("the peer reads the answer, then sees the close", async () => {
    const accepted = nextConn();
    const server = opened.add(await listen({ host: "127.0.0.1", port: 0, onConn: accepted.onConn }));
    const client = opened.add(await dial({ host: "127.0.0.1", port: server.port }));
    const got: string[] = [];
    readPackets(await accepted.conn, { decoder: { modifier1: MOD1 }, what: "client", log, onPacket: (p) => got.push(text(p)), answer });
    const reply = readBytes(client, 4);
    client.write(new Uint8Array([1, 0, 0, 0]));
    expect(new TextDecoder().decode(await reply)).toBe("ERR ");
    await closed(client);
    expect(got).toEqual([]);
  });
});
