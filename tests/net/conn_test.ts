import { afterEach, describe, expect, test } from "bun:test";
import { dial, listen } from "../../lib/net/mod.ts";
import { Cleanup, closed, nextConn, readBytes, utf8 } from "./_sockets.ts";

const HOST = "127.0.0.1";
const opened = new Cleanup();
afterEach(() => opened.closeAll());

function echoServer() {
  return listen({ host: HOST, port: 0, onConn: (c) => c.onData((b) => c.write(b)) });
}

describe("plain TCP", () => {
  test("listens on port 0, reports the port, and round-trips bytes", async () => {
    const server = opened.add(await echoServer());
    expect(server.port).toBeGreaterThan(0);
    expect(server.host).toBe(HOST);
    const conn = opened.add(await dial({ host: HOST, port: server.port }));
    expect(conn.authorized).toBe(false);
    expect(conn.peerNames).toEqual([]);
    expect(conn.remote).toBe(`${HOST}:${server.port}`);
    const reply = readBytes(conn, 5);
    conn.write(utf8("hello"));
    expect(new TextDecoder().decode(await reply)).toBe("hello");
  });

  test("flush hands queued bytes to the socket now, not at the end of the tick", async () => {
    const server = opened.add(await echoServer());
    const conn = opened.add(await dial({ host: HOST, port: server.port }));
    const reply = readBytes(conn, 5);
    conn.write(utf8("hello"));
    expect(conn.bufferedBytes).toBe(5);
    conn.flush();
    expect(conn.bufferedBytes).toBe(0);
    expect(new TextDecoder().decode(await reply)).toBe("hello");
  });

  test("bytes that arrive before onData is registered are delivered, in order", async () => {
    const accepted = nextConn();
    const server = opened.add(await listen({ host: HOST, port: 0, onConn: accepted.onConn }));
    const client = opened.add(await dial({ host: HOST, port: server.port }));
    client.write(utf8("early "));
    const conn = opened.add(await accepted.conn);
    // The bytes must arrive before onData is registered: nothing to await, the transport buffers them.
    await Bun.sleep(50);
    client.write(utf8("and late"));
    // The bytes must arrive before onData is registered: nothing to await, the transport buffers them.
    await Bun.sleep(50);
    expect(new TextDecoder().decode(await readBytes(conn, 14))).toBe("early and late");
  });

  test("onClose fires exactly once on each side, also when registered after the close", async () => {
    const accepted = nextConn();
    const server = opened.add(await listen({ host: HOST, port: 0, onConn: accepted.onConn }));
    const client = await dial({ host: HOST, port: server.port });
    const conn = await accepted.conn;
    let serverCloses = 0;
    let clientCloses = 0;
    conn.onClose(() => serverCloses++);
    client.onClose(() => clientCloses++);
    client.close();
    client.close();
    await closed(conn);
    await closed(client);
    // A non-event (no second close callback) cannot be awaited: time for one to wrongly come.
    await Bun.sleep(20);
    expect([serverCloses, clientCloses]).toEqual([1, 1]);
    expect(conn.closed && client.closed).toBe(true);
    expect(await closed(conn)).toBeUndefined();
  });

  test("close() sends what was queued first", async () => {
    const accepted = nextConn();
    const server = opened.add(await listen({ host: HOST, port: 0, onConn: accepted.onConn }));
    const client = await dial({ host: HOST, port: server.port });
    const conn = await accepted.conn;
    const got = readBytes(conn, 4);
    client.write(utf8("last"));
    client.close();
    expect(new TextDecoder().decode(await got)).toBe("last");
  });

  test("8 MiB in 4 KiB frames arrives whole and in order, with partial socket writes", async () => {
    const accepted = nextConn();
    const server = opened.add(await listen({ host: HOST, port: 0, onConn: accepted.onConn }));
    const client = opened.add(await dial({ host: HOST, port: server.port }));
    const conn = opened.add(await accepted.conn);
    const total = 8 << 20;
    const sent = new Uint8Array(total);
    for (let i = 0; i < total; i += 4) new DataView(sent.buffer).setUint32(i, i);
    const got = readBytes(conn, total, 30_000);
    for (let i = 0; i < total; i += 4096) client.write(sent.subarray(i, i + 4096));
    await Promise.resolve();
    // The kernel cannot take 8 MiB at once: the rest of a partial write waits for drain.
    expect(client.bufferedBytes).toBeGreaterThan(0);
    const received = await got;
    expect(Buffer.compare(received, sent)).toBe(0);
    expect(client.bufferedBytes).toBe(0);
  });

  test("small writes in one tick are coalesced: held until the tick ends, then sent together", async () => {
    const accepted = nextConn();
    const server = opened.add(await listen({ host: HOST, port: 0, onConn: accepted.onConn }));
    const client = opened.add(await dial({ host: HOST, port: server.port }));
    const conn = opened.add(await accepted.conn);
    const parts: Uint8Array[] = [];
    const got = new Promise<void>((resolve) =>
      conn.onData((chunk) => {
        parts.push(chunk);
        if (parts.reduce((n, p) => n + p.length, 0) === 1000) resolve();
      }),
    );
    for (let i = 0; i < 1000; i++) client.write(new Uint8Array([i & 0xff]));
    // Nothing has reached the socket during the tick...
    expect(client.bufferedBytes).toBe(1000);
    await Promise.resolve();
    // ...and one flush at its end handed all 1000 bytes over.
    expect(client.bufferedBytes).toBe(0);
    await got;
    expect(Buffer.concat(parts).every((b, i) => b === (i & 0xff))).toBe(true);
    expect(parts.length).toBe(1);
  });

  test("onDrain fires when a full socket has taken everything", async () => {
    const accepted = nextConn();
    const server = opened.add(await listen({ host: HOST, port: 0, onConn: accepted.onConn }));
    const client = opened.add(await dial({ host: HOST, port: server.port }));
    const conn = opened.add(await accepted.conn);
    const drained = new Promise<void>((resolve) => client.onDrain(resolve));
    const got = readBytes(conn, 16 << 20, 30_000);
    client.write(new Uint8Array(16 << 20));
    await drained;
    expect(client.bufferedBytes).toBe(0);
    expect((await got).length).toBe(16 << 20);
  });

  test("dial rejects with a clear error when refused", async () => {
    const server = await echoServer();
    const port = server.port;
    server.close();
    await expect(dial({ host: HOST, port })).rejects.toThrow(`cannot connect to ${HOST}:${port}: ECONNREFUSED`);
  });

  test("listen rejects with the address when it is in use", async () => {
    const server = opened.add(await echoServer());
    await expect(listen({ host: HOST, port: server.port, onConn: () => {} })).rejects.toThrow(
      `cannot listen on ${HOST}:${server.port}: EADDRINUSE`,
    );
  });

  test("Listener.close closes open connections unless asked to keep them", async () => {
    const accepted = nextConn();
    const server = await listen({ host: HOST, port: 0, onConn: accepted.onConn });
    const client = await dial({ host: HOST, port: server.port });
    const conn = await accepted.conn;
    server.close();
    await closed(conn);
    await closed(client);
  });

  test("Listener.close({ keepConnections: true }) leaves open connections working", async () => {
    const accepted = nextConn();
    const server = await listen({ host: HOST, port: 0, onConn: accepted.onConn });
    const client = opened.add(await dial({ host: HOST, port: server.port }));
    const conn = opened.add(await accepted.conn);
    server.close({ keepConnections: true });
    const got = readBytes(conn, 2);
    client.write(utf8("ok"));
    expect(new TextDecoder().decode(await got)).toBe("ok");
    await expect(dial({ host: HOST, port: server.port })).rejects.toThrow("ECONNREFUSED");
  });

  test("a data listener that throws closes that connection with its error", async () => {
    const accepted = nextConn();
    const server = opened.add(await listen({ host: HOST, port: 0, onConn: accepted.onConn }));
    const client = opened.add(await dial({ host: HOST, port: server.port }));
    const conn = await accepted.conn;
    conn.onData(() => {
      throw new RangeError("bad frame");
    });
    client.write(utf8("x"));
    expect((await closed(conn))?.message).toBe("bad frame");
    await closed(client);
  });
});
