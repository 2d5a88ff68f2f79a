import { describe, expect, test } from "bun:test";
import { canonicalName, certMatches } from "../../lib/tls/names.ts";
import { peerNames } from "../../lib/net/peer_names.ts";
import type { PeerCertificate } from "node:tls";

describe("certMatches", () => {
  test.each([
    [["MV", "192.168.152.242"], ["MV", "192.168.152.242"], true],
    [["mv"], ["MV"], true],
    [["other", "192.168.152.242"], ["MV", "192.168.152.242"], true],
    [["::1"], ["0:0:0:0:0:0:0:1"], true],
    [["::1"], ["[::1]"], true],
    [["PA", "192.168.152.252"], ["MV", "192.168.152.242"], false],
    [[], ["MV"], false],
    [["MV"], [], false],
    [[""], [""], false],
    [["MV.example"], ["MV"], false],
  ])("%p vs %p -> %p", (names, expected, want) => {
    expect(certMatches(names, expected)).toBe(want);
  });
});

describe("canonicalName", () => {
  test.each([
    ["0:0:0:0:0:0:0:1", "::1"],
    ["2001:DB8:0:0:0:0:0:1", "2001:db8::1"],
    ["[::1]", "::1"],
    ["Node-1.Example", "node-1.example"],
    ["127.0.0.1", "127.0.0.1"],
  ])("%p -> %p", (name, want) => {
    expect(canonicalName(name)).toBe(want);
  });
});

describe("peerNames", () => {
  test("CN first, then SAN DNS and IP names, IPv6 compressed, no duplicates, other SANs ignored", () => {
    const cert = {
      subject: { CN: "MV" },
      subjectaltname: "DNS:MV, IP Address:127.0.0.11, IP Address:0:0:0:0:0:0:0:1, email:a@b.c, DNS:mv.example",
    } as unknown as PeerCertificate;
    expect(peerNames(cert)).toEqual(["MV", "127.0.0.11", "::1", "mv.example"]);
  });

  test("no certificate, or an empty one, has no names", () => {
    expect(peerNames(null)).toEqual([]);
    expect(peerNames({} as PeerCertificate)).toEqual([]);
  });

  test("several CNs are all kept", () => {
    expect(peerNames({ subject: { CN: ["a", "b"] } } as unknown as PeerCertificate)).toEqual(["a", "b"]);
  });
});
