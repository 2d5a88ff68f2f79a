// Bun calls a listener socket's `timeout` handler even when no timeout was set: once the
// server has written nothing to it for 120 s (what it reads does not count). A single zeus
// writes nothing to a quiet emperor, and the handler, written for TLS handshakes, dropped
// every emperor after two quiet minutes (bench-scale, QUIET=90: all 100 lost at once, 117 s
// after the last placement). The handler is called here as Bun calls it, without the wait.
import { afterEach, expect, test } from "bun:test";
import type { Socket, SocketHandler, TCPSocketListenOptions } from "bun";
import { dial, listen } from "../../lib/net/mod.ts";
import { Cleanup, readBytes, utf8 } from "./_sockets.ts";

const opened = new Cleanup();
const realListen = Bun.listen;
afterEach(() => {
  Bun.listen = realListen;
  opened.closeAll();
});

test("a plain connection that Bun says timed out (nothing written for 120 s) stays open", async () => {
  let handlers: SocketHandler<unknown> | undefined;
  const sockets: Socket<unknown>[] = [];
  // The handlers listen() gives Bun, and each accepted socket, to call `timeout` as Bun would.
  Bun.listen = ((o: TCPSocketListenOptions<unknown>) => {
    handlers = o.socket;
    const open = o.socket.open;
    return realListen({ ...o, socket: { ...o.socket, open: (s: Socket<unknown>) => (sockets.push(s), open?.(s)) } });
  }) as typeof Bun.listen;
  const refused: string[] = [];
  const server = opened.add(
    await listen({ host: "127.0.0.1", port: 0, onConn: (c) => c.onData((b) => c.write(b)), onRefused: (_, why) => refused.push(why) }),
  );
  const conn = opened.add(await dial({ host: "127.0.0.1", port: server.port }));
  const first = readBytes(conn, 2);
  conn.write(utf8("hi"));
  await first;
  handlers!.timeout!(sockets[0]!);
  const reply = readBytes(conn, 5);
  conn.write(utf8("still"));
  expect(new TextDecoder().decode(await reply)).toBe("still");
  expect(refused).toEqual([]);
});
