// The seed's own wire form on the client port: CRLF-ended text lines, each answered
// "ok\r\n" once durable or "error REASON\r\n", in order; "quit" closes; inside TLS when the
// ring uses TLS. And a DATA whose id the ring already holds is answered OK {held: 1}.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { dial } from "../../lib/net/mod.ts";
import { ringBytes, RingType } from "../../lib/ring/protocol.ts";
import { RING_MODIFIER1 } from "../../lib/packet/mod.ts";
import { loadClientFiles, type TlsClientFiles } from "../../lib/tls/files.ts";
import { killAll, removeTmpDirs, run, waitFor } from "../helpers/procs.ts";
import { exchange, packetsIn } from "../helpers/raw_socket.ts";
import { lineCounts, startRing, type RunningRing, waitForLogs } from "../helpers/ring_setup.ts";

let plain: RunningRing;
let tls: RunningRing;

beforeAll(async () => {
  [plain, tls] = await Promise.all([startRing("127.8.2"), startRing("127.8.5", { tls: true })]);
}, 90_000);

afterAll(async () => {
  await killAll();
  removeTmpDirs();
});

/** Sends `text` to a node's client port; waits for `lines` answer lines (or the close). */
async function talk(
  ring: RunningRing,
  text: string,
  lines: number,
  files?: TlsClientFiles,
): Promise<{ answers: string[]; closed: boolean }> {
  const n = ring.nodes[0]!;
  const conn = await dial({ host: n.host, port: n.clientPort, tls: files, timeoutMs: 5000 });
  let got = "";
  let closed = false;
  conn.onData((chunk) => (got += new TextDecoder().decode(chunk)));
  conn.onClose(() => (closed = true));
  conn.write(new TextEncoder().encode(text));
  await waitFor(() => closed || got.split("\r\n").length > lines, 10_000, `${lines} answer lines`);
  const result = { answers: got.split("\r\n").slice(0, -1), closed };
  if (!closed) conn.close();
  return result;
}

describe("text lines on the client port", () => {
  test("each line is one message, answered ok once durable, logged once on every node", async () => {
    const logs = plain.nodes.map((n) => n.accessLog);
    const before = lineCounts(logs);
    const tag = crypto.randomUUID().slice(0, 8);
    const { answers } = await talk(plain, `0first ${tag}\r\n2second ${tag}\r\n0third ${tag}\r\n`, 3);
    expect(answers).toEqual(["ok", "ok", "ok"]);
    const perLog = await waitForLogs(plain, logs, before, 3);
    for (const lines of perLog) expect(lines).toEqual([`first ${tag}`, `second ${tag}`, `third ${tag}`]);
  }, 30_000);

  test("invalid lines: error REASON in their place, error.log, nothing logged; the connection goes on", async () => {
    const logs = plain.nodes.map((n) => n.accessLog);
    const before = lineCounts(logs);
    const tag = crypto.randomUUID().slice(0, 8);
    const long = `0${"x".repeat(600)}\r\n`;
    const text = `0good ${tag}\r\n0bare LF\n7unknown wrapping\r\n${long}0after ${tag}\r\n`;
    const { answers, closed } = await talk(plain, text, 5);
    expect(answers).toEqual([
      "ok",
      "error not CRLF-terminated",
      "error unknown wrapping 7: this ring uses 0..2",
      "error too long: a message is shorter than 512 bytes",
      "ok",
    ]);
    expect(closed).toBe(false);
    const perLog = await waitForLogs(plain, logs, before, 2);
    for (const lines of perLog) expect(lines).toEqual([`good ${tag}`, `after ${tag}`]);
    const errors = readFileSync(join(plain.dir, "logs", plain.nodes[0]!.name, "error.log"), "utf8");
    expect(errors).toContain("not CRLF-terminated");
    expect(errors).toContain("unknown wrapping 7");
  }, 30_000);

  test("quit closes the connection after the answers due", async () => {
    const { answers, closed } = await talk(plain, "0before quit\r\nquit\r\n0never\r\n", 2);
    expect(answers).toEqual(["ok"]);
    expect(closed).toBe(true);
  }, 30_000);

  test("packets still work beside lines: a DATA is answered OK, its repeat OK held = 1", async () => {
    const n = plain.nodes[0]!;
    const id = `held-${crypto.randomUUID().slice(0, 8)}`;
    const data = ringBytes(RingType.DATA, { id, msg: "0idempotent\r\n" });
    const first = packetsIn((await exchange(n.host, n.clientPort, data, 1500)).bytes, RING_MODIFIER1);
    expect(first.map((p) => [p.modifier2, p.vars])).toEqual([[RingType.OK, { id }]]);
    const again = packetsIn((await exchange(n.host, n.clientPort, data, 1500)).bytes, RING_MODIFIER1);
    expect(again.map((p) => [p.modifier2, p.vars])).toEqual([[RingType.OK, { id, held: "1" }]]);
  }, 30_000);

  test("inside TLS when the ring uses TLS", async () => {
    const logs = tls.nodes.map((n) => n.accessLog);
    const before = lineCounts(logs);
    const pki = join(tls.dir, "pki");
    const files = await loadClientFiles({ ca: `${pki}/ca.crt`, cert: `${pki}/client.crt`, key: `${pki}/client.key` });
    const { answers } = await talk(tls, "0over tls\r\n", 1, files);
    expect(answers).toEqual(["ok"]);
    const perLog = await waitForLogs(tls, logs, before, 1);
    for (const lines of perLog) expect(lines).toEqual(["over tls"]);
  }, 30_000);

  const nc = spawnSync("sh", ["-c", "command -v nc"]).status === 0;
  test.skipIf(!nc)(
    "printf '0...\\r\\n' | nc HOST PORT",
    async () => {
      const n = plain.nodes[0]!;
      const r = await run("sh", ["-c", `printf '0from nc\\r\\nquit\\r\\n' | nc -w 5 ${n.host} ${n.clientPort}`]);
      expect(r.stdout).toBe("ok\r\n");
    },
    30_000,
  );
});
