import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import { bin, freePort, killAll, removeTmpDirs, run, start, tmpDir, waitFor } from "../helpers/procs.ts";
import { WireClient } from "../helpers/wire_client.ts";
import { accessContents, freeRingPorts, meshUp, startNode, writeRing } from "../helpers/ring_setup.ts";

afterAll(async () => {
  await killAll();
  removeTmpDirs();
});

describe("zog operations", () => {
  test("bad flags and bad config files are one-line usage errors (exit 2)", async () => {
    const dir = tmpDir();
    const ring = writeRing(dir, "127.1.5", { names: ["A", "B"], peerPort: 55551, clientPort: 55552 });
    const noConfig = await run(bin("zog"), []);
    expect(noConfig.code).toBe(2);
    expect(noConfig.stderr).toBe("zog: --config ring.toml is required\n");
    const unknown = await run(bin("zog"), ["--config", ring.config, "--node", "Z"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--node "Z" is not in .*ring.toml \(nodes: A, B\)/);
    const bad = join(dir, "bad.toml");
    writeFileSync(bad, 'peer_port = "x"\n[[node]]\nname = "A"\nhost = "127.1.5.11"\n');
    const badConfig = await run(bin("zog"), ["--config", bad]);
    expect(badConfig.code).toBe(2);
    // Every problem of the file, each on one line naming it (the first as before).
    const lines = badConfig.stderr.trim().split("\n");
    expect(lines[0]).toMatch(/bad\.toml:1: peer_port must be an integer/);
    expect(lines[1]).toMatch(/bad\.toml:2: a ring needs at least 2 nodes, found 1/);
    expect(lines.length).toBe(2);
  }, 20_000);

  test("without --node, the node is the one whose host is an address of this machine", async () => {
    const local = Object.values(networkInterfaces()).flatMap((l) => (l ?? []).map((i) => i.address));
    expect(local.some((a) => a.startsWith("203.0.113."))).toBe(false);
    const dir = tmpDir();
    const port = await freePort("127.0.0.1");
    const clientPort = await freePort("127.0.0.1");
    const config = join(dir, "ring.toml");
    const nodes = `[[node]]\nname = "far"\nhost = "203.0.113.1"\n[[node]]\nname = "here"\nhost = "127.0.0.1"\n`;
    writeFileSync(
      config,
      `peer_port = ${port}\nclient_port = ${clientPort}\nlog_dir = "logs/{node}"\nstate_dir = "state/{node}"\n${nodes}`,
    );
    const z = start(bin("zog"), ["--config", config]);
    await waitFor(() => /node here on 127\.0\.0\.1/.test(z.stderr()) || z.child.exitCode !== null, 10_000, "the start line");
    expect(z.stderr()).toMatch(/node here on 127\.0\.0\.1/);
    process.kill(z.pid, "SIGINT");
    expect(await z.exited).toBe(0);
    writeFileSync(config, `${nodes.replaceAll("127.0.0.1", "203.0.113.2")}`);
    const none = await run(bin("zog"), ["--config", config]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no node of .*ring.toml has an address of this machine .*pass --node NAME \(one of far, here\)/);
  }, 20_000);

  test("an unwritable log folder is a clear error at start (exit 1)", async () => {
    const dir = tmpDir();
    writeFileSync(join(dir, "afile"), "");
    const ring = writeRing(dir, "127.1.5", { names: ["A", "B"], ...(await freeRingPorts("127.1.5.11")) });
    const r = await run(bin("zog"), ["--config", ring.config, "--node", "A", "--log-dir", join(dir, "afile", "logs")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/zog: log folder .*afile\/logs is not writable: ENOTDIR/);
  }, 20_000);

  test("a full disk: ERROR, never OK, for what could not be recorded; the node recovers when it can write", async () => {
    const ports = await freeRingPorts("127.1.5.11");
    const STATS = ports.statsPort;
    const ring = writeRing(tmpDir(), "127.1.5", { names: ["A", "B"], ...ports, extra: 'fsync = "always"' });
    const bDir = join(ring.dir, "logs", "B");
    mkdirSync(bDir, { recursive: true });
    symlinkSync("/dev/full", join(bDir, "access.log"));
    const a = startNode(ring, "A", STATS);
    const b = startNode(ring, "B", STATS);
    await waitFor(() => meshUp(ring, STATS), 10_000, "the two-node mesh");
    const c = await WireClient.connect(ring.hosts[1]!, ring.clientPort);
    expect(await c.send("full-1", "0on a full disk\r\n")).toMatch(/cannot record: access.log write failed: ENOSPC/);
    expect(await c.send("full-1", "0on a full disk\r\n")).toMatch(/ENOSPC/);
    await waitFor(() => /access.log write failed: ENOSPC/.test(b.stderr()), 3000, "the error on stderr");
    // Room again: B writes the lines it kept and acknowledges.
    renameSync(join(bDir, "access.log"), join(bDir, "full.log"));
    process.kill(b.pid, "SIGHUP");
    await waitFor(() => /reopened/.test(b.stderr()), 3000, "B to reopen its logs");
    expect(await c.send("full-1", "0on a full disk\r\n")).toBeUndefined();
    expect(accessContents(ring, "B")).toEqual(["on a full disk"]);
    await waitFor(() => accessContents(ring, "A").length === 1, 5000, "A to log it");
    expect(accessContents(ring, "A")).toEqual(["on a full disk"]);
    c.close();
    void a;
  }, 30_000);

  test("SIGHUP reopens access.log after logrotate moved it; a second process for the node is refused; SIGTERM exits 0", async () => {
    const ports = await freeRingPorts("127.1.5.11");
    const ring = writeRing(tmpDir(), "127.1.5", { names: ["A", "B"], ...ports, extra: 'fsync = "never"' });
    const a = startNode(ring, "A", ports.statsPort);
    const c = await waitFor(() => WireClient.connect(ring.hosts[0]!, ring.clientPort).catch(() => undefined), 5000, "A's client port");
    expect(await c.send("rot-1", "0before rotation\r\n")).toBeUndefined();
    const log = join(ring.dir, "logs", "A", "access.log");
    renameSync(log, `${log}.1`);
    process.kill(a.pid, "SIGHUP");
    await waitFor(() => /reopened/.test(a.stderr()), 3000, "the reopen");
    expect(await c.send("rot-2", "0after rotation\r\n")).toBeUndefined();
    expect(readFileSync(`${log}.1`, "utf8")).toMatch(/before rotation\n$/);
    expect(readFileSync(log, "utf8")).toMatch(/^\d{8}T\d{6}Z after rotation\n$/);
    // A second process for the same node fails on the port and leaves the files alone.
    const journal = readFileSync(join(ring.dir, "state", "A", "journal"), "utf8");
    const second = await run(bin("zog"), ["--config", ring.config, "--node", "A"]);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(new RegExp(`cannot listen on 127\\.1\\.5\\.11:${ring.peerPort}: EADDRINUSE`));
    expect(readFileSync(join(ring.dir, "state", "A", "journal"), "utf8")).toBe(journal);
    c.close();
    process.kill(a.pid, "SIGTERM");
    expect(await a.exited).toBe(0);
  }, 30_000);
});
