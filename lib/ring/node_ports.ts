/**
 * A node's two listening ports: the peer port (peers, after HELLO) and the client port
 * (clients and listeners, within the port's limits). They are bound before the node's
 * files are opened, so a second process for the same node fails on EADDRINUSE without
 * touching the first one's files; what connects before the node is ready waits for it
 * (its bytes are buffered).
 *
 * @module
 */
import type { RingConfig, RingNode } from "../config/mod.ts";
import { getLogger, refusalLogger } from "../log/mod.ts";
import { type Conn, listen, type Listener, Strangers } from "../net/mod.ts";
import type { TlsServerFiles } from "../tls/mod.ts";
import { ClientPort } from "./client_port.ts";
import { servePeer } from "./inbound.ts";
import { Ticker } from "./ticker.ts";
import { serveClientPort } from "./text_client.ts";
import type { ZogNode } from "./node.ts";
import { ringBytes, RingType } from "./protocol.ts";

const log = getLogger("zog", "daemon");

/** The TLS files of each port, when the ring uses TLS. */
export interface PortsTls {
  peer: TlsServerFiles;
  client: TlsServerFiles;
}

/**
 * Both listening ports of a node, and the connections waiting for it to be ready.
 *
 * @example
 * ```ts
 * const ports = await NodePorts.bind(config, self);
 * ports.ready(node); // connections accepted so far are served from now on
 * ports.close();
 * ```
 */
export class NodePorts {
  /** The client port's limits and counts (max clients, idle limit, listeners). */
  readonly clientPort: ClientPort;
  #listeners: Listener[] = [];
  #node: ZogNode | undefined;
  #waiting: ((node: ZogNode) => void)[] = [];
  /** Before HELLO a connection to the peer port is anyone's: room for every peer's redials. */
  readonly #peerStrangers: Strangers;
  /** {@link NodePorts.tick} every second while a client or a stranger is connected. */
  readonly #ticker = new Ticker(
    () => this.tick(),
    () => this.clientPort.guard.size > 0 || this.#peerStrangers.guard.size > 0,
    1000,
  );

  private constructor(
    readonly config: RingConfig,
    readonly self: RingNode,
    readonly tls: PortsTls | undefined,
  ) {
    this.clientPort = new ClientPort(config, config.nodes.length - 1);
    this.#peerStrangers = new Strangers({
      log,
      max: 4 * config.nodes.length + 16,
      refuse: (c, reason) => {
        c.write(ringBytes(RingType.ERROR, { reason }));
        c.close();
      },
    });
  }

  /**
   * Binds the peer port, then the client port.
   *
   * @throws {Error} when a port cannot be bound (EADDRINUSE: is this node running already?)
   */
  static async bind(config: RingConfig, self: RingNode, tls?: PortsTls): Promise<NodePorts> {
    const ports = new NodePorts(config, self, tls);
    try {
      await ports.#listen(self.peerPort, tls?.peer, "peer", (c) => ports.#acceptPeer(c));
      await ports.#listen(self.clientPort, tls?.client, "client", (c) => ports.#acceptClient(c));
    } catch (e) {
      ports.close();
      throw e;
    }
    return ports;
  }

  /** The node is ready: the connections waiting for it, and all later ones, are served. */
  ready(node: ZogNode): void {
    this.#node = node;
    for (const serve of this.#waiting.splice(0)) serve(node);
  }

  /** Called every second while a client or a stranger is connected: the client port's timeouts and the peer port's strangers. */
  tick(): void {
    this.clientPort.tick();
    this.#peerStrangers.tick();
  }

  /** Stops accepting and closes every connection. */
  close(): void {
    this.#ticker.stop();
    for (const l of this.#listeners.splice(0)) l.close();
  }

  async #listen(port: number, tls: TlsServerFiles | undefined, what: string, onConn: (c: Conn) => void): Promise<void> {
    const refused = tls ? { tls, onRefused: refusalLogger((m, p) => log.warn(m, p), what) } : {};
    this.#listeners.push(await listen({ host: this.self.host, port, ...refused, onConn }));
  }

  #acceptPeer(c: Conn): void {
    if (!this.#peerStrangers.admit(c)) return;
    this.#ticker.wake();
    const opts = { tls: this.tls !== undefined, keepaliveMs: this.config.keepalive * 1000, strangers: this.#peerStrangers };
    this.#whenReady((node) => servePeer(node, c, opts));
  }

  #acceptClient(c: Conn): void {
    if (!this.clientPort.admit(c)) return;
    this.#ticker.wake();
    this.#whenReady((node) => serveClientPort(node, c, this.clientPort.guard));
  }

  #whenReady(serve: (node: ZogNode) => void): void {
    if (this.#node) serve(this.#node);
    else this.#waiting.push(serve);
  }
}
