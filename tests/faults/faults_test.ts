// The fault suite's quick cases (`make faults` runs them all, many seeds): five TLS nodes in
// network namespaces, as root; each run must be clean (no acknowledged message lost,
// doubled or diverged; stores agree; listeners got each once).
import { afterAll, expect, test } from "bun:test";
import { RING_CASES } from "../../bench/faults/cases.ts";
import { missingForNet } from "../../bench/faults/net.ts";
import { runCase } from "../../bench/faults/runner.ts";
import { ZEUS_CASES } from "../../bench/faults/zeus_cases.ts";
import { killAll, removeTmpDirs } from "../helpers/procs.ts";

const missing = missingForNet();
if (missing) console.log(`tests/faults/faults_test.ts: ${missing}: skipping the fault suite's quick cases`);
const rootTest = missing ? test.skip : test;

afterAll(async () => {
  await killAll();
  removeTmpDirs();
});

for (const c of RING_CASES.filter((c) => c.quick)) {
  rootTest(
    `ring under "${c.name}": every acknowledged message exactly once on every node`,
    async () => {
      const r = await runCase(c, { seed: 1, convergeMs: 30_000 });
      expect([...r.exited, ...r.anomalies.examples]).toEqual([]);
      expect(r.acked).toBeGreaterThan(200);
      expect(r.convergedS).toBeDefined();
    },
    90_000,
  );
}

for (const c of ZEUS_CASES.filter((c) => c.quick)) {
  rootTest(
    `zeus under "${c.name}": never two copies of a one-copy vassal, one each at the end`,
    async () => {
      const r = await c.run(1);
      expect(r.outcome).toMatch(/^0 of \d+ samples with a second copy; one copy each/);
      expect(r.clean).toBe(true);
    },
    90_000,
  );
}
