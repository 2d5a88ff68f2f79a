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
