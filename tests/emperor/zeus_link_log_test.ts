// The emperor's link logs a failure that repeats once, then at most once a minute of its
// monotonic clock with how many it left out (it logged each change, and a misconfigured
// link changed its line every ~2 s).
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { configureSync, type LogRecord, resetSync } from "@logtape/logtape";
import { Supervisor } from "../../lib/emperor/supervisor.ts";
import { ZeusLink } from "../../lib/emperor/zeus_link.ts";
import { FakeClock } from "../helpers/fake_clock.ts";
import { freePort, removeTmpDirs, tmpDir, waitFor } from "../helpers/procs.ts";

const records: LogRecord[] = [];
beforeAll(() =>
  configureSync({
    reset: true,
    sinks: { mem: (r) => void records.push(r) },
    loggers: [
      { category: ["emperor", "zeus"], lowestLevel: "warning", sinks: ["mem"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["mem"] },
    ],
  }),
);
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(() => {
  resetSync();
  removeTmpDirs();
});

const downLines = () => records.map((r) => r.message.join("")).filter((m) => m.startsWith("zeus link down"));

test("a refused zeus: one line, then one a minute later saying how many failures it left out", async () => {
  const sup = new Supervisor({ stateDir: tmpDir("link-emp-") });
  await sup.start();
  cleanups.push(() => sup.stopAll());
  const clock = new FakeClock();
  // Nothing listens there: every dial is refused at once.
  const link = new ZeusLink(sup, { host: "127.0.0.1", port: await freePort(), node: "n1", maxVassals: 1, heartbeatMs: 1000, clock });
  cleanups.push(() => link.stop());
  link.start();
  /** Lets the backoff's timer fire and waits for the redial to fail. */
  const fail = async (n: number, advanceMs: number) => {
    clock.advance(advanceMs);
    await waitFor(() => link.status().failures >= n, 5000, `failure ${n}`);
  };
  await waitFor(() => link.status().failures >= 1, 5000, "failure 1");
  for (let n = 2; n <= 6; n++) await fail(n, 2000);
  expect(downLines()).toEqual([expect.stringMatching(/^zeus link down: .*ECONNREFUSED.*; redialling \(vassals keep running\)$/)]);
  await fail(7, 60_000);
  expect(downLines()).toHaveLength(2);
  expect(downLines()[1]).toMatch(/ECONNREFUSED.*; redialling \(vassals keep running; 5 more alike since the last line\)$/);
  expect(link.status()).toMatchObject({ state: "waiting", failures: 7, last_error: expect.stringContaining("ECONNREFUSED") });
  expect(link.status().misconfigured).toBeUndefined();
}, 20_000);

test("a zeus slow to refuse (past the 500 ms that log 'connected') logs its refusal once; a connection that lasted logs its end at once", async () => {
  records.length = 0;
  const sup = new Supervisor({ stateDir: tmpDir("link-emp-") });
  await sup.start();
  cleanups.push(() => sup.stopAll());
  const open: { end(): void }[] = [];
  let accepted = 0;
  const server = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open: (s) => void (accepted++, open.push(s)),
      data: () => {},
    },
  });
  cleanups.push(() => server.stop(true));
  const clock = new FakeClock();
  const link = new ZeusLink(sup, { host: "127.0.0.1", port: server.port, node: "n1", maxVassals: 1, heartbeatMs: 1000, clock });
  cleanups.push(() => link.stop());
  link.start();
  /** Waits for dial `n` (moving the link's clock on by its backoff), holds it `heldMs`, then zeus closes it. */
  const connection = async (n: number, heldMs: number) => {
    await waitFor(() => accepted >= n || void clock.advance(250), 5000, `dial ${n}`);
    await waitFor(() => link.status().state === "connected", 5000, `connection ${n}`);
    clock.advance(heldMs);
    open.shift()!.end();
    await waitFor(() => link.status().state !== "connected", 5000, `connection ${n} closed`);
  };
  await connection(1, 600);
  expect(downLines()).toHaveLength(1);
  for (let n = 2; n <= 4; n++) await connection(n, 600);
  expect(downLines()).toHaveLength(1);
  await connection(5, 2500);
  expect(downLines()).toHaveLength(2);
}, 20_000);
