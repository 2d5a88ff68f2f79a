/**
 * The emperor's local admin socket, STATE_DIR/run/admin.sock (folder 0700, socket 0600:
 * only the emperor's user, and root, can open it): `emperor exec` and `emperor logs`
 * speak the admin frames of the Zeus protocol there, straight to the emperor, and so do
 * `emperor restart|stop|start` (local_control.ts).
 *
 * @module
 */
import { join } from "node:path";
import { type AdminHandler, AdminHub, decodeAdminFrame, encodeAdminFrame, isAdminType } from "../admin/mod.ts";
import { type ExecChannel, type ExecEndpoint, LOCAL_SOCKET } from "../exec/mod.ts";
import { getLogger } from "../log/mod.ts";
import { type Conn, type Listener, listenUnix, readPackets } from "../net/mod.ts";
import { encodePacket, ZEUS_MODIFIER1 } from "../packet/mod.ts";
import { ProtocolError } from "../errors.ts";

const log = getLogger("emperor", "admin");

/**
 * Serves the local admin socket of `stateDir`.
 *
 * @throws {Error} when the socket cannot be made
 * @example
 * ```ts
 * declare const endpoint: ExecEndpoint;
 * const sock = serveLocalAdmin("/var/lib/emperor", endpoint, "n1");
 * sock.close(); // 4th argument: admin commands, e.g. new LocalControl(sup, stateDir).commands()
 * ```
 */
export function serveLocalAdmin(
  stateDir: string,
  endpoint: ExecEndpoint,
  node: string,
  commands: Readonly<Record<string, AdminHandler<unknown>>> = {},
): Listener {
  const conns = new Map<number, { conn: Conn; channel: ExecChannel }>();
  const hub = new AdminHub(
    {
      send: (id, f) => conns.get(id)?.conn.write(encodePacket(encodeAdminFrame(f))),
      close: (id) => conns.get(id)?.conn.close(),
      remote: () => "local socket",
    },
    {
      // The socket's permissions already let only the emperor's user (and root) in.
      verdict: () => ({ ok: true, who: "local" }),
      commands,
      ctx: {},
      server: `emperor ${node}`,
      logRoot: "emperor",
      streams: {
        fromAdmin: (id, who, f) => {
          const c = conns.get(id);
          if (!c) return;
          c.channel.frame(f.type === "OPEN" ? { ...f, open: { ...f.open, who } } : f);
        },
        adminClosed: (id) => conns.get(id)?.channel.close(),
      },
    },
  );
  let next = 0;
  return listenUnix(join(stateDir, LOCAL_SOCKET), (conn) => {
    const id = ++next;
    const channel = endpoint.channel((f) => conn.write(encodePacket(encodeAdminFrame(f))), "local socket");
    conns.set(id, { conn, channel });
    let first = true;
    readPackets(conn, {
      decoder: { modifier1: ZEUS_MODIFIER1, family: "Zeus" },
      what: "local admin client",
      log,
      onPacket: (p) => {
        if (!isAdminType(p.modifier2)) throw new ProtocolError(`Zeus message type ${p.modifier2} on the admin socket`);
        const f = decodeAdminFrame(p);
        if (!first) return hub.frame(id, f);
        first = false;
        if (f.type !== "HELLO") throw new ProtocolError(`the first frame must be HELLO, got ${f.type}`);
        hub.hello(id, f);
      },
    });
    conn.onClose(() => {
      hub.closed(id);
      channel.close();
      conns.delete(id);
    });
  });
}
