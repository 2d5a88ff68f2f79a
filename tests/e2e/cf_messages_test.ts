// The messages: promise type with the real cf-agent (Debian's cfengine3): cf-agent starts
// dist/cf-messages as a promise module and the ring logs what the policy promises.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bin, freePort, killAll, removeTmpDirs, run, tmpDir } from "../helpers/procs.ts";
import { lineCounts, startRing, type RunningRing, waitForLogs } from "../helpers/ring_setup.ts";

const CF_AGENT = ["/usr/bin/cf-agent", "/var/cfengine/bin/cf-agent"].find((p) => existsSync(p));

let ring: RunningRing;
let logs: string[];
let dir: string;

beforeAll(async () => {
  if (!CF_AGENT) return;
  ring = await startRing("127.8.1");
  logs = ring.nodes.map((n) => n.accessLog);
  dir = tmpDir("cfpolicy-");
}, 60_000);

afterAll(async () => {
  await killAll();
  removeTmpDirs();
});

/** A policy file: the promise block, an outcome classes body, `body` as bundle main's promises. */
function policy(name: string, body: string): string {
  const file = join(dir, `${name}.cf`);
  const text = `promise agent messages { path => "${bin("cf-messages")}"; }
body classes outcome(p) { promise_kept => { "$(p)_kept" }; promise_repaired => { "$(p)_repaired" }; repair_failed => { "$(p)_failed" }; }
bundle agent main {
${body}
}
`;
  writeFileSync(file, text, { mode: 0o600 });
  return file;
}

/** Runs `cf-agent -KI -f FILE` (plus `extra` flags); its output, both streams. */
async function agent(file: string, extra: string[] = []): Promise<{ code: number; out: string }> {
  const r = await run(CF_AGENT!, ["-KI", ...extra, "-f", file]);
  return { code: r.code, out: r.stdout + r.stderr };
}

describe.skipIf(!CF_AGENT)("cf-agent with the messages: promise type", () => {
  test("first run repaired, logged once on every node; second run kept, still once; no id: once per run", async () => {
    const tag = crypto.randomUUID().slice(0, 8);
    const file = policy(
      "converge",
      `  messages:
    "backup done ${tag}"
      id => "backup-${tag}",
      classes => outcome("with_id"),
      ring => "${ring.config}";
    "heartbeat ${tag}"
      classes => outcome("no_id"),
      ring => "${ring.config}";
  reports:
    with_id_kept:: "with_id kept";
    with_id_repaired:: "with_id repaired";
    with_id_failed:: "with_id failed";
    no_id_repaired:: "no_id repaired";
    no_id_failed:: "no_id failed";`,
    );
    const before = lineCounts(logs);
    const first = await agent(file);
    expect(first.out).toContain(`info: sent message "backup done ${tag}" (id backup-${tag}) to the ring`);
    expect(first.out).toContain("R: with_id repaired");
    expect(first.out).toContain("R: no_id repaired");
    expect(first.out).not.toMatch(/error|kept/);
    const perLog = await waitForLogs(ring, logs, before, 2);
    for (const lines of perLog) expect(lines.sort()).toEqual([`backup done ${tag}`, `heartbeat ${tag}`]);

    const second = await agent(file);
    expect(second.out).toContain("R: with_id kept");
    expect(second.out).toContain("R: no_id repaired");
    expect(second.out).not.toContain(`sent message "backup done`);
    expect(second.out).not.toMatch(/error|failed/);
    const again = await waitForLogs(ring, logs, before, 3);
    for (const lines of again) {
      expect(lines.filter((l) => l === `backup done ${tag}`)).toHaveLength(1);
      expect(lines.filter((l) => l === `heartbeat ${tag}`)).toHaveLength(2);
    }
  }, 60_000);

  test("validation refuses an unknown attribute, a content that is no message, a missing ring, before sending", async () => {
    const tag = crypto.randomUUID().slice(0, 8);
    const file = policy(
      "invalid",
      `  messages:
    "colourful ${tag}" colour => "red", ring => "${ring.config}";
    "two$(const.n)lines ${tag}" ring => "${ring.config}";
    "nowhere ${tag}" id => "n-${tag}";
    "missing file ${tag}" ring => "${dir}/no-such-ring.toml";
    "both ${tag}" ring => "${ring.config}", servers => { "127.0.0.1" };
    "slow ${tag}" ring => "${ring.config}", timeout => "soon";`,
    );
    const before = lineCounts(logs);
    const r = await agent(file);
    expect(r.out).toContain("unknown attribute 'colour'");
    expect(r.out).toContain("cannot be sent: it holds a line break");
    expect(r.out).toContain(`no ring: give ring => "/etc/zog/ring.toml" or servers => { "HOST:PORT", ... }`);
    expect(r.out).toContain(`${dir}/no-such-ring.toml`);
    expect(r.out).toContain("give either 'ring' or 'servers', not both");
    expect(r.out).toContain(`'timeout' "soon" must be a number of seconds`);
    expect(r.out).not.toContain("sent message");
    // Nothing reached the ring: a marker sent after it is the only new line.
    const marker = policy("marker", `  messages:\n    "marker ${tag}" ring => "${ring.config}";`);
    expect((await agent(marker)).out).toContain(`sent message "marker ${tag}"`);
    const perLog = await waitForLogs(ring, logs, before, 1);
    for (const lines of perLog) expect(lines).toEqual([`marker ${tag}`]);
  }, 60_000);

  test("a ring that does not answer: not_kept, the reason reported by cf-agent, later promises not kept at once", async () => {
    const port = await freePort("127.8.1.99");
    const file = policy(
      "down",
      `  messages:
    "first" id => "down-1", timeout => "1", servers => { "127.8.1.99:${port}" }, classes => outcome("first");
    "second" id => "down-2", timeout => "1", servers => { "127.8.1.99:${port}" }, classes => outcome("second");
  reports:
    first_failed:: "first failed";
    second_failed:: "second failed";
    first_repaired|second_repaired|first_kept|second_kept:: "something passed";`,
    );
    const started = Date.now();
    const r = await agent(file);
    const took = Date.now() - started;
    expect(r.out).toContain(`error: cannot send message "first" (id down-1): message down-1 not acknowledged within 1 s`);
    expect(r.out).toContain("ECONNREFUSED");
    expect(r.out).toContain(`error: cannot send message "second" (id down-2): not tried, the ring did not answer`);
    expect(r.out).toContain("R: first failed");
    expect(r.out).toContain("R: second failed");
    expect(r.out).not.toContain("something passed");
    expect(took).toBeLessThan(10_000);
  }, 60_000);

  test("a TLS ring: ca from ring.toml, the client certificate from cert/key; without it, not_kept saying what to pass", async () => {
    const tlsRing = await startRing("127.8.6", { tls: true });
    const pki = join(tlsRing.dir, "pki");
    const tag = crypto.randomUUID().slice(0, 8);
    const file = policy(
      "tls",
      `  messages:
    "over tls ${tag}" id => "tls-${tag}", ring => "${tlsRing.config}", cert => "${pki}/client.crt", key => "${pki}/client.key";
    "no certificate ${tag}" ring => "${tlsRing.config}", timeout => "3";`,
    );
    const tlsLogs = tlsRing.nodes.map((n) => n.accessLog);
    const r = await agent(file);
    expect(r.out).toContain(`info: sent message "over tls ${tag}" (id tls-${tag}) to the ring`);
    expect(r.out).toMatch(
      new RegExp(
        `error: cannot send message "no certificate ${tag}": \\S+ requires a client certificate: give cert => "CRT", key => "KEY"`,
      ),
    );
    const perLog = await waitForLogs(tlsRing, tlsLogs, [0, 0, 0, 0, 0], 1);
    for (const lines of perLog) expect(lines).toEqual([`over tls ${tag}`]);
  }, 60_000);

  test("a policy of 100 promises: all repaired and logged once on every node, then all kept", async () => {
    const tag = crypto.randomUUID().slice(0, 8);
    const file = policy(
      "hundred",
      `  vars:
    "n" slist => { expandrange("[1-100]", 1) };
  messages:
    "bulk ${tag} $(n)" id => "bulk-${tag}-$(n)", ring => "${ring.config}";`,
    );
    const before = lineCounts(logs);
    const first = await agent(file, ["-v"]);
    expect(first.out).toContain("Promises repaired in 'main' = 100");
    const perLog = await waitForLogs(ring, logs, before, 100);
    for (const lines of perLog) expect(new Set(lines).size).toBe(100);
    const second = await agent(file, ["-v"]);
    expect(second.out).toContain("Promises kept in 'main' = 100");
    const again = await waitForLogs(ring, logs, before, 100);
    for (const lines of again) expect(lines).toHaveLength(100);
  }, 120_000);
});
