/**
 * The client port's POSITIONS and POSITION_RM (docs/PROTOCOL.md): a client lists the
 * node's durable listeners and groups; an admin client removes one. Who is an admin is
 * zeus's rule (lib/admin) with the ring's names: with client certificates, a certificate
 * naming one of ring.toml's `[tls] admins` or a node of the ring; without, a loopback
 * client.
 *
 * @module
 */
import { adminVerdict, type AdminWording } from "../admin/mod.ts";
import type { Conn } from "../net/mod.ts";
import { getLogger } from "../log/mod.ts";
import type { ZogNode } from "./node.ts";
import { ringBytes, RingType } from "./protocol.ts";

const log = getLogger("zog", "positions");

const RING_WORDING: AdminWording = {
  server: "this node",
  given: "ring.toml's [tls] admins (or naming a node of the ring)",
  howTo: 'name one in ring.toml: [tls] admins = ["NAME"]',
};

const NAME_RE = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * POSITIONS {id, kind?}: answers OK {id, node, positions} (the rows as JSON, as `/status`
 * shows them, in pages of at most {@link PAGE_BYTES}: each page but the last has `more` =
 * `1`), only those of `kind` when given; ERROR {id, reason} on a node without a store.
 *
 * @example
 * ```ts
 * declare const node: ZogNode;
 * declare const conn: Conn;
 * answerPositions(node, conn, { id: "ls", kind: "durable" });
 * ```
 */
export function answerPositions(node: ZogNode, conn: Conn, vars: Readonly<Record<string, string>>): void {
  const id = vars.id || "positions";
  const kind = vars.kind;
  if (kind !== undefined && kind !== "durable" && kind !== "group")
    return void conn.write(ringBytes(RingType.ERROR, { id, reason: `kind "${kind.slice(0, 20)}" is not "durable" or "group"` }));
  const store = node.listeners.status();
  if (!store) return void conn.write(ringBytes(RingType.ERROR, { id, reason: "this node keeps no store: no durable listeners or groups" }));
  const rows = store.positions.filter((p) => kind === undefined || p.kind === kind);
  const pages = positionPages(rows, PAGE_BYTES);
  pages.forEach((page, i) =>
    conn.write(ringBytes(RingType.OK, { id, node: node.self.name, positions: page, ...(i < pages.length - 1 ? { more: "1" } : {}) })),
  );
}

/** JSON bytes of one answer's `positions` at most (a packet's payload is at most 65535 bytes). */
export const PAGE_BYTES = 48 * 1024;

/**
 * The rows as JSON arrays of at most `maxBytes` each (a row longer than that alone in
 * its page), in order; one empty array when there are none.
 *
 * @example
 * ```ts
 * positionPages([], 100); // ["[]"]
 * ```
 */
export function positionPages(rows: readonly unknown[], maxBytes: number): string[] {
  const pages: string[] = [];
  let page: string[] = [];
  let bytes = 2;
  for (const row of rows) {
    const text = JSON.stringify(row);
    const size = Buffer.byteLength(text) + 1;
    if (page.length > 0 && bytes + size > maxBytes) {
      pages.push(`[${page.join(",")}]`);
      page = [];
      bytes = 2;
    }
    page.push(text);
    bytes += size;
  }
  pages.push(`[${page.join(",")}]`);
  return pages;
}

/**
 * POSITION_RM {id, kind, name, force?}: an admin removes durable listener or group NAME
 * (a connected one only with `force` = `1`, which disconnects it); answers OK {id,
 * disconnected} or ERROR {id, reason}. Every removal and every refusal is logged.
 *
 * @example
 * ```ts
 * declare const node: ZogNode;
 * declare const conn: Conn;
 * removePosition(node, conn, { id: "rm", kind: "durable", name: "audit" });
 * ```
 */
export function removePosition(node: ZogNode, conn: Conn, vars: Readonly<Record<string, string>>): void {
  const id = vars.id || "rm";
  const refuse = (reason: string) => void conn.write(ringBytes(RingType.ERROR, { id, reason }));
  const { kind, name = "" } = vars;
  if (kind !== "durable" && kind !== "group") return refuse(`kind "${(kind ?? "").slice(0, 20)}" is not "durable" or "group"`);
  if (!NAME_RE.test(name)) return refuse(`name "${name.slice(0, 70)}" is not 1-64 of [A-Za-z0-9._-]`);
  const { clientCerts, names } = node.admins;
  const verdict = adminVerdict(
    { remote: conn.remote, certNames: clientCerts ? conn.peerNames : [], clientCerts, admins: names },
    RING_WORDING,
  );
  if (!verdict.ok) {
    log.warn("refused to remove {kind} {name} for {remote}: {reason}", { kind, name, remote: conn.remote, reason: verdict.reason });
    return refuse(verdict.reason);
  }
  try {
    const { disconnected } = node.listeners.remove(kind, name, verdict.who, vars.force === "1");
    conn.write(ringBytes(RingType.OK, { id, disconnected: String(disconnected) }));
  } catch (e) {
    log.info("{who} could not remove {kind} {name}: {reason}", { who: verdict.who, kind, name, reason: (e as Error).message });
    refuse((e as Error).message);
  }
}
