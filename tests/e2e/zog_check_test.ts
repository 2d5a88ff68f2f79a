// Issue 22 item 3: zog --check finds what start would refuse, each as FILE:LINE: reason, all at once.
import { afterAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { bin, removeTmpDirs, run, tmpDir } from "../helpers/procs.ts";

afterAll(removeTmpDirs);

test("a node whose peer_port is its client_port, and two nodes on one host:port, are listed together", async () => {
  const dir = tmpDir();
  const ring = join(dir, "ring.toml");
  writeFileSync(
    ring,
    [
      "[[node]]",
      'name = "A"',
      'host = "127.0.0.1"',
      "peer_port = 7000",
      "client_port = 7000",
      "[[node]]",
      'name = "B"',
      'host = "127.0.0.1"',
      "peer_port = 7000",
      "client_port = 7001",
      "",
    ].join("\n"),
  );
  const r = await run(bin("zog"), ["--check", "--config", ring]);
  expect(r.stderr).toBe(
    [
      `${ring}:1: node 1 has peer_port and client_port both 7000: give its clients another port`,
      `${ring}:6: node 2 repeats 127.0.0.1:7000 of node 1 (line 1)`,
      "",
    ].join("\n"),
  );
  expect(r.code).toBe(2);
  // Start refuses it the same way, before any port is bound (not EADDRINUSE).
  const start = await run(bin("zog"), ["--config", ring, "--node", "A"]);
  expect(start.code).toBe(2);
  expect(start.stderr).toContain("node 1 has peer_port and client_port both 7000");
});

test("every TLS problem of the node at once: a certificate naming another node, a key of another certificate, a missing CA", async () => {
  const dir = tmpDir();
  for (const args of [
    ["init", join(dir, "pki")],
    ["issue", join(dir, "pki"), "A", "--host", "127.0.0.1"],
    ["issue", join(dir, "pki"), "B"],
  ]) {
    const r = await run(bin("zog"), ["certs", ...args]);
    expect(r.code).toBe(0);
  }
  const ring = join(dir, "ring.toml");
  const nodes = '[[node]]\nname = "A"\nhost = "127.0.0.1"\n[[node]]\nname = "B"\nhost = "127.0.0.2"\n';
  const logs = `log_dir = "${dir}/logs/{node}"\nstate_dir = "${dir}/state/{node}"\n`;
  writeFileSync(ring, `${logs}${nodes}[tls]\nca = "pki/none.crt"\ncert = "pki/B.crt"\nkey = "pki/A.key"\n`);
  const r = await run(bin("zog"), ["--check", "--config", ring, "--node", "A"]);
  expect(r.stderr.trimEnd().split("\n")).toEqual([
    expect.stringMatching(new RegExp(`^${ring}:10: \\[tls\\] ca: cannot read TLS CA .*none\\.crt: ENOENT$`)),
    expect.stringMatching(new RegExp(`^${ring}:11: \\[tls\\] cert: .*B\\.crt names B, not A or 127\\.0\\.0\\.1$`)),
    expect.stringMatching(new RegExp(`^${ring}:12: \\[tls\\] key: .*A\\.key is not the key of .*B\\.crt$`)),
  ]);
  expect(r.code).toBe(2);
  writeFileSync(ring, `${logs}${nodes}[tls]\nca = "pki/ca.crt"\ncert = "pki/A.crt"\nkey = "pki/A.key"\n`);
  const ok = await run(bin("zog"), ["--check", "--config", ring, "--node", "A"]);
  expect(ok.stderr).toBe("");
  expect(ok.code).toBe(0);
});
