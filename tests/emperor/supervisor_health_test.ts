// Health checks in the Supervisor, with real child processes and real probes on loopback.
import { afterAll, expect, test } from "bun:test";
import { Supervisor, type SupervisorEvent, type VassalStatus } from "../../lib/emperor/supervisor.ts";
import { freePort, removeTmpDirs, tmpDir, waitFor } from "../helpers/procs.ts";

afterAll(removeTmpDirs);

function setup() {
  const events: SupervisorEvent[] = [];
  const states: VassalStatus[] = [];
  const sup = new Supervisor({ stateDir: tmpDir("emperor-health-"), onEvent: (e) => events.push(e), onState: (s) => states.push(s) });
  return { events, states, sup };
}

const checked = (check: string) =>
  `[vassal]\ncommand = "sleep"\nargs = ["600"]\nstop_timeout = 1\ncheck = "${check}"\ncheck_interval = 0.05\ncheck_timeout = 0.5\ncheck_grace = 0\ncheck_failures = 2\n`;

test("a passing check makes the vassal healthy; every change of state is announced once", async () => {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const { states, sup } = setup();
  await sup.start();
  try {
    sup.apply("ok.toml", checked(`tcp://127.0.0.1:${server.port}`));
    await waitFor(() => sup.list()[0]?.check?.state === "healthy", 5000, "healthy");
    expect(sup.list()[0]!.check).toMatchObject({
      target: `tcp://127.0.0.1:${server.port}`,
      failing: 0,
      last: { ok: true, detail: "connected" },
    });
    expect(states.map((s) => `${s.state}/${s.check?.state}`)).toEqual(["running/unknown", "running/healthy"]);
  } finally {
    await sup.stopAll();
    server.stop(true);
  }
});

test("check_failures failures in a row: unhealthy, restarted, counted", async () => {
  const port = await freePort();
  const { events, states, sup } = setup();
  await sup.start();
  try {
    sup.apply("bad.toml", checked(`tcp://127.0.0.1:${port}`));
    const first = await waitFor(() => sup.list()[0]?.pid, 5000, "started");
    const e = await waitFor(() => events.find((x) => x.type === "unhealthy"), 5000, "unhealthy");
    expect(e).toEqual({ type: "unhealthy", name: "bad.toml", why: "2 checks failed in a row, the last: ECONNREFUSED" });
    await waitFor(() => states.some((s) => s.state === "unhealthy"), 5000, "state unhealthy");
    const again = await waitFor(
      () => (sup.list()[0]?.pid !== first && sup.list()[0]?.state === "running" ? sup.list()[0] : undefined),
      5000,
      "restarted",
    );
    expect(again.restarts).toBeGreaterThanOrEqual(1);
    expect(again.check!.failuresTotal).toBeGreaterThanOrEqual(2);
    expect(again.check!.state).toBe("unhealthy");
  } finally {
    await sup.stopAll();
  }
});
