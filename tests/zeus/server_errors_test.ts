// zeus tells an emperor "protocol error" only for what the emperor got wrong; its own bug
// is logged by zeus and the connection closed without blaming the emperor.
import { afterAll, afterEach, expect, test } from "bun:test";
import { dial } from "../../lib/net/mod.ts";
import { encodePacket, PacketDecoder, ZEUS_MODIFIER1 } from "../../lib/packet/mod.ts";
import { dirSource } from "../../lib/zeus/vassal_source.ts";
import { startZeus, type ZeusServer } from "../../lib/zeus/zeus_server.ts";
import { decodeMessage, encodeMessage, type ZeusMessage } from "../../lib/zeus_protocol/mod.ts";
import { freePort, removeTmpDirs, tmpDir, waitFor } from "../helpers/procs.ts";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});
afterAll(removeTmpDirs);

async function zeus(): Promise<ZeusServer> {
  const z = await startZeus({ host: "127.0.0.1", port: await freePort(), vassals: dirSource(tmpDir("zeus-errors-")), deadAfterMs: 5000 });
  cleanups.push(() => z.stop());
  return z;
}

/** An emperor's connection that records what zeus sends and whether it closed. */
async function emperorConn(port: number) {
  const conn = await dial({ host: "127.0.0.1", port });
  const got: ZeusMessage[] = [];
  const decoder = new PacketDecoder({ modifier1: ZEUS_MODIFIER1, family: "Zeus" });
  conn.onData((b) => got.push(...decoder.push(b).map((p) => decodeMessage(p, "zeus"))));
  let closed = false;
  conn.onClose(() => (closed = true));
  cleanups.push(() => conn.close());
  return { send: (m: ZeusMessage) => conn.write(encodePacket(encodeMessage(m))), got, closed: () => closed };
}

const alive: ZeusMessage = { type: "I_AM_ALIVE", node: "e1", maxVassals: 4, runningVassals: 0 };

test("the emperor's own protocol error is answered with ERROR and a close", async () => {
  const z = await zeus();
  const e = await emperorConn(z.port);
  e.send({ type: "REPORT_END", count: 0 });
  await waitFor(() => e.closed(), 5000, "the connection closed");
  expect(e.got).toEqual([{ type: "ERROR", reason: "the first message must be I_AM_ALIVE, got REPORT_END" }]);
  expect(z.core.counters.protocol_errors).toBe(1);
});

test("a bug of zeus while handling a message closes that connection without an ERROR blaming the emperor", async () => {
  const z = await zeus();
  z.core.message = () => {
    throw new TypeError("a bug in zeus");
  };
  const e = await emperorConn(z.port);
  e.send(alive);
  await waitFor(() => e.closed(), 5000, "the connection closed");
  expect(e.got.filter((m) => m.type === "ERROR")).toEqual([]);
  expect(z.core.counters.protocol_errors).toBe(0);
});
