// lib/net/peer_names.ts: the names a peer certificate carries, in canonical form.
import { describe, expect, test } from "bun:test";
import type { PeerCertificate } from "node:tls";
import { canonicalName, peerNames } from "../../lib/net/peer_names.ts";

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
