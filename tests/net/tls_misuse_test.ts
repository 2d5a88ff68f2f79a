// The shared TLS misuse classifier: each usual misuse named, transient failures left to retry.
import { expect, test } from "bun:test";
import fc from "fast-check";
import { looksLikeTls, TLS_CLOSED_REASON, TLS_RECORD_REASON, tlsMisuse } from "../../lib/net/mod.ts";

const ctx = { where: "127.0.0.11:5555", peer: "node", ca: "the ring's CA" };

test("each misuse is named, with the one line naming its fix", () => {
  const cases: [string, string, RegExp][] = [
    [`bad packet from the node: ${TLS_RECORD_REASON}`, "plain-on-tls", /this node speaks TLS: pass --ca, and --cert\/--key if it asks/],
    ["TLS handshake failed: error:100000f7:SSL routines:OPENSSL_internal:WRONG_VERSION_NUMBER", "tls-on-plain", /does not speak TLS/],
    [
      "TLS handshake failed: Client network socket disconnected before secure TLS connection was established",
      "tls-on-plain",
      /does not speak TLS/,
    ],
    [
      "error:1000045c:SSL routines:OPENSSL_internal:TLSV1_ALERT_CERTIFICATE_REQUIRED",
      "cert-required",
      /requires a client certificate: pass --cert CRT --key KEY \(signed by the ring's CA\)$/,
    ],
    [
      "TLS handshake failed: unable to verify the first certificate",
      "unknown-ca",
      /not signed by a CA we trust: pass --ca CA \(the ring's CA\)$/,
    ],
    [
      "error:10000418:SSL routines:OPENSSL_internal:TLSV1_ALERT_UNKNOWN_CA",
      "cert-refused",
      /does not accept our certificate \(unknown ca\)/,
    ],
    [`${TLS_CLOSED_REASON} (ECONNRESET)`, "cert-refused", /does not accept our certificate \(it closed the connection at once\)/],
    ["TLS handshake failed: Hostname/IP does not match certificate's altnames", "name-mismatch", /does not name it/],
    ["getaddrinfo ENOTFOUND nosuch", "no-such-host", /cannot resolve/],
  ];
  for (const [reason, kind, line] of cases) {
    const m = tlsMisuse(reason, ctx);
    expect(m?.kind).toBe(kind as never);
    expect(m!.line).toMatch(line);
    expect(m!.line).not.toContain("\n");
  }
});

test("transient failures are left to retry", () => {
  for (const reason of ["cannot connect to 127.0.0.11:5555: ECONNREFUSED", "timed out after 5000 ms", "ECONNRESET", "connection closed"])
    expect(tlsMisuse(reason, ctx)).toBeUndefined();
});

test("looksLikeTls: alerts and handshakes of TLS 3.x only, never a ring or Zeus packet", () => {
  expect(looksLikeTls(new Uint8Array([21, 3, 3, 0, 2, 2, 70]))).toBe(true);
  expect(looksLikeTls(new Uint8Array([22, 3, 1]))).toBe(true);
  expect(looksLikeTls(new Uint8Array([22, 9, 1]))).toBe(false);
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 8 }), (bytes) => {
      if (bytes[0] !== 21 && bytes[0] !== 22) expect(looksLikeTls(bytes)).toBe(false);
    }),
  );
});
