/**
 * What a VASSAL_STATE means for a copy (pure): running well, in backoff, unhealthy,
 * stopped, or failing past the bound after which zeus moves it elsewhere (Nomad's
 * reschedule). Transitional states (starting, reloading, stopping) mean nothing yet.
 *
 * @module
 */
import type { VassalStateReport } from "../zeus_protocol/mod.ts";
import type { Verdict } from "./copy_lifecycle.ts";

/** How the exit of a report reads: "exit 127", "killed by SIGKILL", or "". */
export function exitText(r: Pick<VassalStateReport, "exitCode" | "exitSignal">): string {
  if (r.exitSignal) return `killed by ${r.exitSignal}`;
  return r.exitCode !== undefined ? `exit ${r.exitCode}` : "";
}

/**
 * Judges report `r` of the copy on `node`. `unhealthyRestarts` counts the restarts for a
 * failing check in a row so far (the caller keeps it; a report of state `unhealthy` is one
 * more). `bound`: young deaths in a row, or such restarts, after which the copy moves.
 *
 * @example
 * ```ts
 * judge({ name: "a", state: "backoff", pid: 0, restarts: 3, exitCode: 127, streak: 3 }, "e1", 0, 3);
 * // { verdict: "exhausted", why: "backoff on e1: exit 127, 3 quick deaths in a row" }
 * ```
 */
export function judge(
  r: VassalStateReport,
  node: string,
  unhealthyRestarts: number,
  bound: number,
): { verdict: Verdict; why: string } | undefined {
  switch (r.state) {
    case "running":
      if (r.health === "unhealthy") return { verdict: "unhealthy", why: `unhealthy on ${node}: ${r.check ?? "check failing"}` };
      return { verdict: "ok", why: "" };
    case "backoff": {
      const exit = exitText(r);
      const why = `backoff on ${node}: ${exit ? `${exit}, ` : ""}${r.streak ?? 1} quick death${(r.streak ?? 1) === 1 ? "" : "s"} in a row`;
      return { verdict: (r.streak ?? 0) >= bound ? "exhausted" : "backoff", why };
    }
    case "unhealthy": {
      const why = `unhealthy on ${node}: restarted ${unhealthyRestarts} time${unhealthyRestarts === 1 ? "" : "s"} for failing checks${r.check ? `, last: ${r.check}` : ""}`;
      return { verdict: unhealthyRestarts >= bound ? "exhausted" : "unhealthy", why };
    }
    case "stopped":
      return { verdict: "halted", why: `stopped on ${node} at its own request` };
    default:
      return undefined;
  }
}
