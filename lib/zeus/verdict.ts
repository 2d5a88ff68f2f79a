/**
 * What a VASSAL_STATE means for a copy (pure): running well, in backoff, unhealthy,
 * stopped, or failing past the bound after which zeus moves it elsewhere (Nomad's
 * reschedule). Transitional states (starting, reloading, stopping) mean nothing yet.
 *
 * @module
 */
import type { VassalStateReport } from "../zeus_protocol/mod.ts";
import type { Verdict } from "./copy_lifecycle.ts";

/**
 * How the exit of a report reads: "exit 127", "killed by SIGKILL", or "".
 *
 * @example
 * ```ts
 * exitText({ exitCode: 127 }); // "exit 127"
 * ```
 */
export function exitText(r: Pick<VassalStateReport, "exitCode" | "exitSignal">): string {
  if (r.exitSignal) return `killed by ${r.exitSignal}`;
  return r.exitCode !== undefined ? `exit ${r.exitCode}` : "";
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * A copy's trouble as one phrase, on `node` when given: "backoff on e1 after exit 3 (3 quick
 * deaths in a row)", "unhealthy: its check fails (HTTP 500)", "stopped (exit 0)". Only what
 * belongs to the state is said: the last check result of a copy in backoff is not.
 *
 * @example
 * ```ts
 * troubleText({ state: "backoff", exitCode: 3, streak: 3 });
 * // "backoff after exit 3 (3 quick deaths in a row)"
 * ```
 */
export function troubleText(
  r: Pick<VassalStateReport, "exitCode" | "exitSignal" | "streak" | "check"> & { state: string },
  node?: string,
): string {
  const on = node ? ` on ${node}` : "";
  const exit = exitText(r);
  switch (r.state) {
    case "backoff":
      return `backoff${on}${exit ? ` after ${r.exitSignal ? "being " : ""}${exit}` : ""} (${plural(r.streak ?? 1, "quick death")} in a row)`;
    case "unhealthy":
      return `unhealthy${on}: its check fails${r.check ? ` (${r.check})` : ""}`;
    default:
      return `${r.state}${on}${exit ? ` (${exit})` : ""}`;
  }
}

/**
 * Judges report `r` of the copy on `node`. `unhealthyRestarts` counts the restarts for a
 * failing check in a row so far (the caller keeps it; a report of state `unhealthy` is one
 * more). `bound`: young deaths in a row, or such restarts, after which the copy moves.
 *
 * @example
 * ```ts
 * judge({ name: "a", state: "backoff", pid: 0, restarts: 3, exitCode: 127, streak: 3 }, "e1", 0, 3);
 * // { verdict: "exhausted", why: "backoff on e1 after exit 127 (3 quick deaths in a row)" }
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
    case "backoff":
      return { verdict: (r.streak ?? 0) >= bound ? "exhausted" : "backoff", why: troubleText(r, node) };
    case "unhealthy": {
      const why = `unhealthy on ${node}: restarted ${plural(unhealthyRestarts, "time")} for failing checks${r.check ? `, last: ${r.check}` : ""}`;
      return { verdict: unhealthyRestarts >= bound ? "exhausted" : "unhealthy", why };
    }
    case "stopped":
      return { verdict: "halted", why: `stopped on ${node} at its own request` };
    default:
      return undefined;
  }
}
