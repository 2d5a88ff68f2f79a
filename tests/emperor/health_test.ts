import { expect, test } from "bun:test";
import fc from "fast-check";
import { type HealthAction, HealthSchedule } from "../../lib/emperor/health.ts";
import type { CheckConfig } from "../../lib/vassal/check.ts";

const config: CheckConfig = {
  text: "tcp://127.0.0.1:1",
  target: { kind: "tcp", host: "127.0.0.1", port: 1 },
  intervalMs: 100,
  timeoutMs: 50,
  graceMs: 500,
  failures: 3,
};

const gen = (a: HealthAction[]) => (a.find((x) => x.do === "probe") as { gen: number }).gen;

test("probes after the grace time, then every interval; a pass makes it healthy", () => {
  const h = new HealthSchedule(config);
  expect(h.due()).toEqual([]);
  expect(h.running()).toEqual([{ do: "timer", ms: 500 }]);
  expect(h.running()).toEqual([]);
  const g = gen(h.due());
  expect(h.result(g, 1, true, "connected")).toEqual([
    { do: "changed", state: "healthy" },
    { do: "timer", ms: 100 },
  ]);
  expect(h.result(gen(h.due()), 2, true, "connected")).toEqual([{ do: "timer", ms: 100 }]);
  expect(h.status()).toEqual({ state: "healthy", failing: 0, failuresTotal: 0, last: { ok: true, at: 2, detail: "connected" } });
});

test("`failures` failures in a row: unhealthy and restart; a pass in between resets the count", () => {
  const h = new HealthSchedule(config);
  h.running();
  h.result(gen(h.due()), 1, false, "ECONNREFUSED");
  h.result(gen(h.due()), 2, false, "ECONNREFUSED");
  h.result(gen(h.due()), 3, true, "connected");
  h.result(gen(h.due()), 4, false, "ECONNREFUSED");
  h.result(gen(h.due()), 5, false, "ECONNREFUSED");
  expect(h.result(gen(h.due()), 6, false, "ECONNREFUSED")).toEqual([
    { do: "changed", state: "unhealthy" },
    { do: "restart", why: "3 checks failed in a row, the last: ECONNREFUSED" },
  ]);
  expect(h.status()).toMatchObject({ state: "unhealthy", failuresTotal: 5 });
  // Disarmed until the restarted vassal runs again; stays unhealthy until a pass.
  expect(h.due()).toEqual([]);
  expect(h.running()).toEqual([{ do: "timer", ms: 500 }]);
  expect(h.status().state).toBe("unhealthy");
  expect(h.result(gen(h.due()), 7, true, "connected")[0]).toEqual({ do: "changed", state: "healthy" });
});

test("a result from before a stop is ignored", () => {
  const h = new HealthSchedule(config);
  h.running();
  const g = gen(h.due());
  h.result(g, 1, true, "ok");
  const late = gen(h.due());
  expect(h.stopped()).toEqual([{ do: "cancel" }, { do: "changed", state: "unknown" }]);
  expect(h.result(late, 2, false, "ECONNREFUSED")).toEqual([]);
  h.running();
  expect(h.result(late, 3, false, "ECONNREFUSED")).toEqual([]);
  expect(h.status().failuresTotal).toBe(0);
});

test("property: restart comes exactly at `failures` failures in a row, never otherwise", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 5 }), fc.array(fc.boolean(), { maxLength: 40 }), (failures, results) => {
      const h = new HealthSchedule({ ...config, failures });
      h.running();
      let streak = 0;
      for (const ok of results) {
        const out = h.result(gen(h.due()), 0, ok, ok ? "ok" : "bad");
        streak = ok ? 0 : streak + 1;
        const restart = out.some((a) => a.do === "restart");
        expect(restart).toBe(streak === failures);
        if (restart) {
          streak = 0;
          h.running();
        }
      }
    }),
  );
});
