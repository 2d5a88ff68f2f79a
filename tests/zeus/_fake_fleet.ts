// A coordinator with its I/O recorded and emperors played by the test: the harness the
// coordinator's fleet tests (fleet_ops, drain) share.
import { Coordinator } from "../../lib/zeus/coordinator.ts";
import type { ZeusMessage } from "../../lib/zeus_protocol/mod.ts";

/** A coordinator on a settable clock, what it sent, and emperors that connect and answer. */
export function fakeFleet(deadAfterMs: number) {
  let now = 1000;
  const sent: { conn: number; m: ZeusMessage }[] = [];
  const io = { now: () => now, send: (conn: number, m: ZeusMessage) => void sent.push({ conn, m }), close: () => {}, changed: () => {} };
  const core = new Coordinator(io, { deadAfterMs, settleMs: 0, maxRejections: 3 });
  /** Emperor `node` says hello on `conn`, with `labels`, running nothing. */
  const connect = (conn: number, node: string, labels?: Record<string, string>) => {
    core.connOpened(conn, `127.0.0.1:${conn}`);
    core.message(conn, { type: "I_AM_ALIVE", node, maxVassals: 10, runningVassals: 0, ...(labels ? { labels } : {}) });
    core.message(conn, { type: "REPORT_END", count: 0 });
  };
  /** Answers every placement on `conn` as a well-behaved emperor, up to SPAWNED. */
  const run = (conn: number, pid: number) => {
    for (let mine = sent.filter((s) => s.conn === conn); mine.length > 0; mine = sent.filter((s) => s.conn === conn)) {
      for (const s of mine) sent.splice(sent.indexOf(s), 1);
      for (const { m } of mine) {
        if (m.type === "NEW_VASSAL") core.message(conn, { type: "ACCEPTED_VASSAL", name: m.name });
        if (m.type === "CONFIG_END") core.message(conn, { type: "VASSAL_SPAWNED", name: m.name, pid, restarts: 0 });
      }
    }
  };
  return { core, sent, connect, run, io, advance: (ms: number) => (now += ms) };
}
