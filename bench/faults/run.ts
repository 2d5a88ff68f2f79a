/**
 * `make faults`: the fault suite (issue 27 item 5). As root, on a machine with `ip`, `tc`,
 * `nft` and Debian's `faketime`: every case of cases.ts (and the zeus cases) `--runs` times
 * with seeds 1..N, printing one line per run and then the results table (fault → runs →
 * outcome) in Markdown, as docs/faults.md shows it.
 *
 * Run: `bun run bench/faults/run.ts [--runs N] [--case TEXT ...] [--quick] [--fsync batch|always] [--json FILE]`
 *
 * @module
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { killAll, removeTmpDirs } from "../../tests/helpers/procs.ts";
import { type FaultCase, RING_CASES } from "./cases.ts";
import { clean, FAILURES } from "./checker.ts";
import { missingForNet, Topology } from "./net.ts";
import { type RunResult, runCase } from "./runner.ts";
import { ZEUS_CASES, type ZeusRunResult } from "./zeus_cases.ts";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "3" },
    case: { type: "string", multiple: true },
    quick: { type: "boolean", default: false },
    fsync: { type: "string", default: "batch" },
    json: { type: "string" },
  },
});

const why = missingForNet();
if (why) {
  console.error(`make faults: cannot run here: ${why}`);
  process.exit(2);
}

const picked = (c: { name: string; quick?: boolean }) =>
  (!values.quick || c.quick) && (!values.case || values.case.some((t) => c.name.includes(t)));
const runs = Number(values.runs);
const rows: string[] = [];
const all: (RunResult | ZeusRunResult)[] = [];

/** Why `c` cannot run on this machine (checked once, on a throwaway topology). */
function unavailable(c: FaultCase): string | undefined {
  if (!c.unavailable) return undefined;
  const net = Topology.create(["MV"]);
  try {
    return c.unavailable(net);
  } finally {
    net.destroy();
  }
}

try {
  for (const c of RING_CASES.filter(picked)) {
    const no = unavailable(c);
    if (no) {
      console.log(`${c.name}: not run: ${no}`);
      rows.push(`| ${cell(c.name)} | 0 | not run: ${no} |`);
      continue;
    }
    const results: RunResult[] = [];
    for (let seed = 1; seed <= runs; seed++) {
      const r = await runCase(c, { seed, fsync: values.fsync });
      results.push(r);
      all.push(r);
      const bad = FAILURES.filter((k) => r.anomalies[k] > 0).map((k) => `${k} ${r.anomalies[k]}`);
      console.log(
        `${c.name} seed ${seed}: ${r.acked} acked, ${r.anomalies.unacknowledged_logged} unacknowledged but logged, ` +
          `converged ${r.convergedS === undefined ? "NEVER (60 s)" : `${r.convergedS.toFixed(1)} s`} after the fault; ` +
          `${bad.length ? bad.join(", ") : "clean"} — ${r.did.join("; ")}`,
      );
      for (const e of [...r.exited, ...r.anomalies.examples.slice(0, 4)]) console.log(`    ${e}`);
    }
    rows.push(ringRow(c.name, results));
  }
  for (const c of ZEUS_CASES.filter(picked)) {
    const results: ZeusRunResult[] = [];
    for (let seed = 1; seed <= runs; seed++) {
      const r = await c.run(seed);
      results.push(r);
      all.push(r);
      console.log(`${c.name} seed ${seed}: ${r.outcome}`);
    }
    const ok = results.filter((r) => r.clean).length;
    rows.push(
      `| ${c.name} (zeus) | ${results.length} | ${ok}/${results.length} clean; ${[...new Set(results.map((r) => r.outcome))].join("; ")} |`,
    );
  }
} finally {
  await killAll();
  removeTmpDirs();
}

console.log(`\n| fault (fsync = "${values.fsync}") | runs | outcome |\n|---|---|---|\n${rows.join("\n")}`);
if (values.json) writeFileSync(values.json, JSON.stringify(all, null, 1));

/** One table row: how many runs were clean, the anomalies summed, the convergence times. */
function ringRow(name: string, results: RunResult[]): string {
  const ok = results.filter((r) => clean(r.anomalies) && r.exited.length === 0).length;
  const sums = FAILURES.map((k) => [k, results.reduce((s, r) => s + r.anomalies[k], 0)] as const).filter(([, n]) => n > 0);
  const conv = results.map((r) => (r.convergedS === undefined ? "never" : r.convergedS.toFixed(1))).join("/");
  const acked = results.reduce((s, r) => s + r.acked, 0);
  const unacked = results.reduce((s, r) => s + r.anomalies.unacknowledged_logged, 0);
  const bad = sums.length ? `; ${sums.map(([k, n]) => `${k.replaceAll("_", " ")} ${n}`).join(", ")}` : "";
  const gone = results.flatMap((r) => r.exited);
  const exits = gone.length ? `; ${gone.length} node exits (${cell(gone[0]!)})` : "";
  return `| ${cell(name)} | ${results.length} | ${ok}/${results.length} clean (${acked} acked, ${unacked} unacknowledged but logged)${bad}${exits}; converged ${conv} s |`;
}

/** `s` as a Markdown table cell (its pipes escaped). */
function cell(s: string): string {
  return s.replaceAll("|", "\\|");
}
