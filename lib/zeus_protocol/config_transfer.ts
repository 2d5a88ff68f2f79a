/**
 * Sending a config (any size) as CONFIG_CHUNKs and a CONFIG_END carrying its sha256, and
 * an emperor's vassal list as VASSAL_REPORTs; the receiving side's reassembly. Pure.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { ReportedVassal, ZeusMessage } from "./messages.ts";

const encoder = new TextEncoder();

/** Per-packet overhead of a CONFIG_CHUNK's vars besides the name and body bytes. */
const CHUNK_OVERHEAD = 2 + 4 + 2 + 2 + 4 + 2;

/** Largest body slice one CONFIG_CHUNK carries for a vassal called `name`. */
export function chunkSize(name: string): number {
  return 0xffff - CHUNK_OVERHEAD - encoder.encode(name).byteLength;
}

/**
 * sha256 of a config, lowercase hex.
 *
 * @example
 * ```ts
 * sha256Hex(new TextEncoder().encode("[uwsgi]\n")).length; // 64
 * ```
 */
export function sha256Hex(body: Uint8Array): string {
  return createHash("sha256").update(body).digest("hex");
}

/**
 * The CONFIG_CHUNKs (at least one, even for an empty body) and the CONFIG_END of a config.
 *
 * @example
 * ```ts
 * for (const m of configMessages("app.ini", body)) conn.write(encodePacket(encodeMessage(m)));
 * ```
 */
export function configMessages(name: string, body: Uint8Array, sha256 = sha256Hex(body)): ZeusMessage[] {
  const size = chunkSize(name);
  const out: ZeusMessage[] = [];
  for (let o = 0; o === 0 || o < body.byteLength; o += size) {
    out.push({ type: "CONFIG_CHUNK", name, body: body.subarray(o, o + size) });
  }
  out.push({ type: "CONFIG_END", name, sha256 });
  return out;
}

/**
 * The VASSAL_REPORTs (each under the packet limit) and the REPORT_END listing `vassals`.
 *
 * @example
 * ```ts
 * reportMessages([{ name: "a.toml", pid: 42, restarts: 0, sha256: "0".repeat(64) }]);
 * ```
 */
export function reportMessages(vassals: readonly ReportedVassal[]): ZeusMessage[] {
  const out: ZeusMessage[] = [];
  let batch: ReportedVassal[] = [];
  let bytes = 0;
  for (const v of vassals) {
    // key "v.NAME" and value "PID RESTARTS SHA" with their two length prefixes
    const size = 4 + 2 + encoder.encode(v.name).byteLength + 10 + 1 + 10 + 1 + 64;
    if (bytes + size > 60_000) {
      out.push({ type: "VASSAL_REPORT", vassals: batch });
      batch = [];
      bytes = 0;
    }
    batch.push(v);
    bytes += size;
  }
  if (batch.length > 0) out.push({ type: "VASSAL_REPORT", vassals: batch });
  out.push({ type: "REPORT_END", count: vassals.length });
  return out;
}

/**
 * Collects the chunks of configs in transit, per vassal name.
 *
 * @example
 * ```ts
 * const a = new ConfigAssembler();
 * a.chunk("app.ini", bytes);
 * const { body, ok } = a.end("app.ini", sha256Hex(bytes))!;
 * ```
 */
export class ConfigAssembler {
  #parts = new Map<string, Uint8Array[]>();

  /** Starts (or restarts) collecting `name`. */
  begin(name: string): void {
    this.#parts.set(name, []);
  }

  /** Whether chunks of `name` are expected. */
  expecting(name: string): boolean {
    return this.#parts.has(name);
  }

  /** Adds a chunk; returns false when no transfer of `name` was begun. */
  chunk(name: string, body: Uint8Array): boolean {
    const parts = this.#parts.get(name);
    if (!parts) return false;
    parts.push(body);
    return true;
  }

  /** Ends the transfer: the whole body and whether its sha256 is `sha256`; undefined when none was begun. */
  end(name: string, sha256: string): { body: Uint8Array; actual: string; ok: boolean } | undefined {
    const parts = this.#parts.get(name);
    if (!parts) return undefined;
    this.#parts.delete(name);
    const body = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
    let o = 0;
    for (const p of parts) {
      body.set(p, o);
      o += p.byteLength;
    }
    const actual = sha256Hex(body);
    return { body, actual, ok: actual === sha256 };
  }

  /** Forgets a transfer (e.g. the vassal was destroyed meanwhile). */
  drop(name: string): void {
    this.#parts.delete(name);
  }
}
