import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { ConfigError, nodeFiles, resolveSelf, ringConfigFromText } from "../../lib/config/mod.ts";
import { ConfigErrors } from "../../lib/errors.ts";

const FIVE = `
peer_port = 55551
client_port = 55552
keepalive = 300
log_dir = "logs/{node}"

[[node]]
name = "MV"
host = "127.0.0.11"
[[node]]
name = "PA"
host = "127.0.0.12"
[[node]]
name = "G"
host = "127.0.0.13"
[[node]]
name = "LA"
host = "127.0.0.14"
[[node]]
name = "S"
host = "127.0.0.15"

[tls]
ca = "pki/ca.crt"
cert = "pki/{node}.crt"
key = "/etc/zog/{node}.key"
`;

describe("ring.toml", () => {
  test("parses the five-node ring with defaults", () => {
    const c = ringConfigFromText(FIVE, "/etc/zog/ring.toml");
    expect(c.nodes.map((n) => `${n.index}:${n.name}@${n.host}:${n.peerPort}/${n.clientPort}`)).toEqual([
      "0:MV@127.0.0.11:55551/55552",
      "1:PA@127.0.0.12:55551/55552",
      "2:G@127.0.0.13:55551/55552",
      "3:LA@127.0.0.14:55551/55552",
      "4:S@127.0.0.15:55551/55552",
    ]);
    expect(c.fsync).toBe("batch");
    expect(c.retain).toEqual({ ageMs: 7 * 86_400_000 });
    expect(ringConfigFromText(`retain = "1d 5GB"\n${FIVE}`, "ring.toml").retain).toEqual({ ageMs: 86_400_000, bytes: 5e9 });
    expect(c.tls?.clientAuth).toBe("required");
    expect(c.tls?.admins).toEqual([]);
    expect(ringConfigFromText(`${FIVE}admins = ["ops", "backup"]\n`, "ring.toml").tls?.admins).toEqual(["ops", "backup"]);
  });

  test("{node} placeholders and relative paths resolve against the config's folder", () => {
    const c = ringConfigFromText(FIVE, "/etc/zog/ring.toml");
    const f = nodeFiles(c, c.nodes[1]!);
    expect(f).toEqual({
      logDir: "/etc/zog/logs/PA",
      stateDir: "/var/lib/zog/PA",
      tls: { ca: "/etc/zog/pki/ca.crt", cert: "/etc/zog/pki/PA.crt", key: "/etc/zog/PA.key" },
    });
    expect(nodeFiles(c, c.nodes[1]!, { logDir: "/var/log/{node}" }).logDir).toBe("/var/log/PA");
    expect(nodeFiles(c, c.nodes[1]!, { stateDir: "state/{node}" }).stateDir).toBe(join(process.cwd(), "state/PA"));
    const own = ringConfigFromText(`state_dir = "data/{node}"\n${FIVE}`, "/etc/zog/ring.toml");
    expect(nodeFiles(own, own.nodes[0]!).stateDir).toBe("/etc/zog/data/MV");
  });

  const bad: [string, string, RegExp][] = [
    ["syntax error has file and line", "a = 1\nb = = 2\n", /^ring\.toml:2: /],
    ["node without host", FIVE.replace('host = "127.0.0.13"\n', ""), /^ring\.toml:13: node 3 has no host$/],
    ["one node", `keepalive = 3\n[[node]]\nname="a"\nhost="h"\n`, /^ring\.toml:2: a ring needs at least 2 nodes, found 1$/],
    [
      "twenty nodes",
      Array.from({ length: 20 }, (_, i) => `[[node]]\nname="n${i}"\nhost="h${i}"\n`).join(""),
      /^ring\.toml:58: a ring has at most 19 nodes/,
    ],
    [
      "duplicate name, with both lines",
      FIVE.replace('name = "PA"', 'name = "MV"'),
      /^ring\.toml:10: node 2 repeats name MV of node 1 \(line 7\)$/,
    ],
    ["duplicate host", FIVE.replace('"127.0.0.12"', '"127.0.0.11"'), /node 2 repeats 127\.0\.0\.11:55551 of node 1/],
    [
      "bad port",
      `peer_port = 70000\n${FIVE.replace("peer_port = 55551\n", "")}`,
      /^ring\.toml:1: peer_port must be an integer from 1 to 65535, got 70000$/,
    ],
    ["unknown key", `keepalives = 3\n${FIVE}`, /^ring\.toml:1: has unknown key "keepalives"/],
    ["bad fsync", `fsync = "sometimes"\n${FIVE}`, /fsync "sometimes" is not one of "always", "batch", "never"/],
    [
      "bad retain",
      `keepalive = 3\nretain = "a week"\n${FIVE.replace("keepalive = 300\n", "")}`,
      /^ring\.toml:2: retain "a week": "a" is not an age/,
    ],
    ["bad client_auth", `${FIVE}client_auth = "maybe"\n`, /^ring\.toml:27: \[tls\] client_auth "maybe"/],
    ["bad admins", `${FIVE}admins = "ops"\n`, /^ring\.toml:27: \[tls\] admins must be an array of certificate names/],
    ["bad name", FIVE.replace('name = "G"', 'name = "G/x"'), /node 3 name "G\/x" may hold only/],
    [
      "bad host",
      FIVE.replace('"127.0.0.13"', '"not a host!"'),
      /^ring\.toml:15: node 3 host "not a host!" is not an IP address or a DNS name$/,
    ],
  ];
  for (const [what, text, re] of bad) {
    test(`rejects: ${what}`, () => {
      expect(() => ringConfigFromText(text, "ring.toml")).toThrow(ConfigError);
      expect(() => ringConfigFromText(text, "ring.toml")).toThrow(re);
    });
  }
});

describe("every problem of ring.toml at once", () => {
  const MANY = `peer_port = 70000
fsync = "sometimes"
keepalives = 3

[[node]]
name = "A/1"
host = "127.0.0.1"
[[node]]
name = "B"
host = "not a host!"
colour = "red"
[[node]]
name = "B"
host = "127.0.0.3"
client_port = 0

[tls]
ca = "ca.crt"
key = "k.key"
client_auth = "maybe"
`;

  test("each as FILE:LINE: reason, in line order, in one ConfigErrors", () => {
    let err: unknown;
    try {
      ringConfigFromText(MANY, "ring.toml");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigErrors);
    expect((err as ConfigErrors).errors.map((e) => e.message)).toEqual([
      "ring.toml:1: peer_port must be an integer from 1 to 65535, got 70000",
      'ring.toml:2: fsync "sometimes" is not one of "always", "batch", "never"',
      expect.stringMatching(/^ring\.toml:3: has unknown key "keepalives"/),
      'ring.toml:6: node 1 name "A/1" may hold only letters, digits, ".", "_" and "-" (1-64)',
      'ring.toml:10: node 2 host "not a host!" is not an IP address or a DNS name',
      expect.stringMatching(/^ring\.toml:11: node 2 has unknown key "colour"/),
      "ring.toml:12: node 3 repeats name B of node 2 (line 8)",
      "ring.toml:15: node 3 client_port must be an integer from 1 to 65535, got 0",
      "ring.toml:17: [tls] has no cert",
      'ring.toml:20: [tls] client_auth "maybe" is not one of "required", "optional", "none"',
    ]);
    // The one-line form (logs, status) is the first problem and a count.
    expect((err as ConfigErrors).message).toBe(
      "ring.toml:1: peer_port must be an integer from 1 to 65535, got 70000 (and 9 more: --check lists them)",
    );
  });

  test("a single problem is a plain ConfigError; a syntax error comes alone, at its line", () => {
    expect(() => ringConfigFromText(FIVE.replace('"127.0.0.13"', '"not a host!"'), "ring.toml")).toThrow(
      /^ring\.toml:15: node 3 host "not a host!" is not an IP address or a DNS name$/,
    );
    try {
      ringConfigFromText(`${MANY}\nbroken = = 1\n`, "ring.toml");
      throw new Error("accepted");
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect(e).not.toBeInstanceOf(ConfigErrors);
      expect((e as ConfigError).line).toBe(22);
    }
  });
});

describe("resolveSelf", () => {
  const c = ringConfigFromText(FIVE, "ring.toml");
  test("by --node, by address, by hostname", () => {
    expect(resolveSelf(c, { node: "LA", addresses: [], hostname: "x" }).index).toBe(3);
    expect(resolveSelf(c, { addresses: ["10.0.0.1", "127.0.0.13"], hostname: "x" }).name).toBe("G");
    expect(resolveSelf(c, { addresses: [], hostname: "S" }).name).toBe("S");
  });
  test("no match or several matches say what to pass", () => {
    expect(() => resolveSelf(c, { addresses: ["10.0.0.1"], hostname: "x" })).toThrow(/pass --node NAME \(one of MV, PA, G, LA, S\)/);
    expect(() => resolveSelf(c, { addresses: ["127.0.0.11", "127.0.0.12"], hostname: "x" })).toThrow(
      /several nodes .*\(MV, PA\): pass --node NAME/,
    );
    expect(() => resolveSelf(c, { node: "Q", addresses: [], hostname: "x" })).toThrow(/--node "Q" is not in ring.toml/);
  });
});
