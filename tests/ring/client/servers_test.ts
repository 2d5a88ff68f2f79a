import { describe, expect, test } from "bun:test";
import { ringConfigFromText } from "../../../lib/config/ring_config.ts";
import { UsageError } from "../../../lib/errors.ts";
import { listenTarget, resolveTarget } from "../../../lib/ring/client/servers.ts";

const RING = ringConfigFromText(
  `client_port = 6000
[[node]]
name = "MV"
host = "127.2.0.11"
[[node]]
name = "PA"
host = "127.2.0.12"
client_port = 6001
`,
  "ring.toml",
);

describe("resolveTarget", () => {
  test("ring.toml gives each node's client port; random is the default policy", () => {
    expect(resolveTarget({ config: RING })).toEqual({
      servers: [
        { host: "127.2.0.11", port: 6000 },
        { host: "127.2.0.12", port: 6001 },
      ],
      policy: { kind: "random" },
    });
  });

  test("--server takes HOST or HOST:PORT, default port 55552; -r rotates", () => {
    expect(resolveTarget({ servers: ["a.example", "127.0.0.1:7", "[::1]:8"], roundRobin: true })).toEqual({
      servers: [
        { host: "a.example", port: 55552 },
        { host: "127.0.0.1", port: 7 },
        { host: "::1", port: 8 },
      ],
      policy: { kind: "roundRobin" },
    });
  });

  test("-s picks a listed host, a node name, or adds the host", () => {
    expect(resolveTarget({ config: RING, specificHost: "127.2.0.12" }).policy).toEqual({ kind: "specific", index: 1 });
    expect(resolveTarget({ config: RING, specificHost: "PA" }).policy).toEqual({ kind: "specific", index: 1 });
    const added = resolveTarget({ config: RING, specificHost: "127.2.0.99" });
    expect(added.servers[2]).toEqual({ host: "127.2.0.99", port: 6000 });
    expect(added.policy).toEqual({ kind: "specific", index: 2 });
    expect(resolveTarget({ servers: ["127.0.0.1:7"], specificHost: "127.0.0.1:9" }).servers[1]).toEqual({ host: "127.0.0.1", port: 9 });
  });

  test("with ring.toml, -s NAME that is no node is a usage error naming the nodes (no DNS lookup, no retries)", () => {
    expect(() => resolveTarget({ config: RING, specificHost: "Q" })).toThrow(
      '-s/--specificHost "Q" is no node of ring.toml: pass a node name (MV, PA) or a node\'s host',
    );
  });

  test("-T is -s 127.0.0.1 with the ring's client port", () => {
    expect(resolveTarget({ config: RING, testing: true })).toEqual({
      servers: [
        { host: "127.2.0.11", port: 6000 },
        { host: "127.2.0.12", port: 6001 },
        { host: "127.0.0.1", port: 6000 },
      ],
      policy: { kind: "specific", index: 2 },
    });
    expect(resolveTarget({ testing: true })).toEqual({
      servers: [{ host: "127.0.0.1", port: 55552 }],
      policy: { kind: "specific", index: 0 },
    });
  });

  test("conflicting or missing choices are usage errors", () => {
    expect(() => resolveTarget({ config: RING, servers: ["x"] })).toThrow("give either --config or --server, not both");
    expect(() => resolveTarget({ testing: true, specificHost: "x" })).toThrow(UsageError);
    expect(() => resolveTarget({ servers: ["x"], roundRobin: true, specificHost: "x" })).toThrow("exclude each other");
    expect(() => resolveTarget({})).toThrow("no server to send to");
    expect(() => resolveTarget({ servers: ["x:99999"] })).toThrow("--server: Address");
  });
});

test("listenTarget: --server, else this machine's node, else the first node", () => {
  expect(listenTarget(undefined, "127.0.0.1")).toEqual({ host: "127.0.0.1", port: 55552 });
  expect(listenTarget(RING, undefined)).toEqual({ host: "127.2.0.11", port: 6000 });
  expect(listenTarget(RING, undefined, RING.nodes[1])).toEqual({ host: "127.2.0.12", port: 6001 });
  expect(() => listenTarget(undefined, undefined)).toThrow(UsageError);
});
