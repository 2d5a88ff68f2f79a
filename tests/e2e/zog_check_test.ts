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

test("every TLS problem of the node at once, from --check and from a start: a certificate naming another node, a key of another certificate, a missing CA", async () => {
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
    expect.stringMatching(
      new RegExp(
        `^${ring}:11: \\[tls\\] cert: .*B\\.crt names B, not 127\\.0\\.0\\.1 \\(peers dial it\\): issue one with zog certs issue DIR A --host 127\\.0\\.0\\.1$`,
      ),
    ),
    expect.stringMatching(new RegExp(`^${ring}:12: \\[tls\\] key: .*A\\.key is not the key of .*B\\.crt$`)),
  ]);
  expect(r.code).toBe(2);
  // Started anyway, it says the same lines (it said the first file it could not read, without its line).
  const start = await run(bin("zog"), ["--config", ring, "--node", "A"]);
  expect(start.stderr).toBe(r.stderr.replaceAll(ring, `zog: ${ring}`));
  expect(start.code).toBe(2);
  writeFileSync(ring, `${logs}${nodes}[tls]\nca = "pki/ca.crt"\ncert = "pki/A.crt"\nkey = "pki/B.key"\n`);
  const mismatch = await run(bin("zog"), ["--config", ring, "--node", "A"]);
  expect(mismatch.stderr).toMatch(new RegExp(`^zog: ${ring}:12: \\[tls\\] key: .*B\\.key is not the key of .*A\\.crt\n$`));
  expect(mismatch.code).toBe(2);
  writeFileSync(ring, `${logs}${nodes}[tls]\nca = "pki/ca.crt"\ncert = "pki/A.crt"\nkey = "pki/A.key"\n`);
  const ok = await run(bin("zog"), ["--check", "--config", ring, "--node", "A"]);
  expect(ok.stderr).toBe("");
  expect(ok.code).toBe(0);
});

test("a certificate naming the node but not its host, an expired one, one expiring within 30 days: each as FILE:LINE, together", async () => {
  const dir = tmpDir();
  const pki = join(dir, "pki");
  // Certificates last 730 days: one issued 800 days ago has expired, one issued 720 days ago expires within 30.
  for (const [args, ago] of [
    [["init", pki], 0],
    // Named A, as a peer's own check wants, but not 127.0.0.1, the host its peers dial.
    [["issue", pki, "A"], 0],
    [["issue", pki, "old", "--host", "127.0.0.1"], 800],
    [["issue", pki, "soon", "--host", "127.0.0.1"], 720],
  ] as const) {
    const r = await run("faketime", ["-f", `-${ago}d`, bin("zog"), "certs", ...args]);
    expect(r.code).toBe(0);
  }
  const ring = join(dir, "ring.toml");
  const head = `log_dir = "${dir}/logs/{node}"\nstate_dir = "${dir}/state/{node}"\n[[node]]\nname = "A"\nhost = "127.0.0.1"\n[[node]]\nname = "B"\nhost = "127.0.0.2"\n`;
  const tls = (name: string, key = name) => `${head}[tls]\nca = "pki/ca.crt"\ncert = "pki/${name}.crt"\nkey = "pki/${key}.key"\n`;
  writeFileSync(ring, tls("A"));
  const unnamed = await run(bin("zog"), ["--check", "--config", ring, "--node", "A"]);
  expect(unnamed.stderr).toMatch(new RegExp(`^${ring}:11: \\[tls\\] cert: .*A\\.crt names A, not 127\\.0\\.0\\.1 \\(peers dial it\\)`));
  expect(unnamed.code).toBe(2);
  writeFileSync(ring, tls("old", "A"));
  const r = await run(bin("zog"), ["--check", "--config", ring, "--node", "A"]);
  expect(r.stderr.trimEnd().split("\n")).toEqual([
    expect.stringMatching(new RegExp(`^${ring}:11: \\[tls\\] cert: .*old\\.crt expired on 20\\d\\d-`)),
    expect.stringMatching(new RegExp(`^${ring}:12: \\[tls\\] key: .*A\\.key is not the key of .*old\\.crt$`)),
  ]);
  expect(r.code).toBe(2);
  writeFileSync(ring, tls("soon"));
  const soon = await run(bin("zog"), ["--check", "--config", ring, "--node", "A"]);
  expect(soon.stderr).toMatch(new RegExp(`^warning: ${ring}:11: \\[tls\\] cert: .*soon\\.crt expires on .* \\(within 30 days\\)\n$`));
  expect(soon.code).toBe(0);
});
