/**
 * Raw sockets for hostile-input tests: send any bytes, collect what comes back until the
 * server closes, and decode the answer's packets.
 *
 * @module
 */
import { connect, type Socket } from "node:net";
import { decodeVars, type Packet, PacketDecoder } from "../../lib/packet/mod.ts";

/** What a server answered to raw bytes. */
export interface RawReply {
  /** Everything received. */
  bytes: Uint8Array;
  /** Whether the server closed the connection within the time allowed. */
  closed: boolean;
}

/** Opens a TCP connection to `host:port` (rejects on error). */
export function rawConnect(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port });
    s.once("connect", () => resolve(s));
    s.once("error", reject);
  });
}

/**
 * Sends `bytes` and collects the answer until the server closes or `ms` pass (then the
 * socket is destroyed and `closed` is false).
 */
export async function exchange(host: string, port: number, bytes: Uint8Array, ms = 3000): Promise<RawReply> {
  const s = await rawConnect(host, port);
  const chunks: Buffer[] = [];
  return await new Promise((resolve) => {
    const done = (closed: boolean) => {
      clearTimeout(timer);
      s.destroy();
      resolve({ bytes: new Uint8Array(Buffer.concat(chunks)), closed });
    };
    const timer = setTimeout(() => done(false), ms);
    s.on("data", (d: Buffer) => chunks.push(d));
    s.on("error", () => {});
    s.on("close", () => done(true));
    s.write(bytes);
  });
}

/** The packets of modifier1 `family` in `bytes`, each with its vars, as far as they decode. */
export function packetsIn(bytes: Uint8Array, family: number): (Packet & { vars: Record<string, string> })[] {
  const out: (Packet & { vars: Record<string, string> })[] = [];
  try {
    for (const p of new PacketDecoder({ modifier1: family }).push(bytes)) out.push({ ...p, vars: decodeVars(p.payload) });
  } catch {
    // What follows the last whole packet is not ours to judge here.
  }
  return out;
}
