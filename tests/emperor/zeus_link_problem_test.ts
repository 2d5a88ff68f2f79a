// The one line of each failure of the emperor's link to zeus, with the emperor's flags.
import { expect, test } from "bun:test";
import { linkProblem } from "../../lib/emperor/zeus_link_problem.ts";
import { TLS_RECORD_REASON } from "../../lib/net/mod.ts";

const where = "127.0.0.1:4040";

test("zeus refusing a --node its certificate does not name: the fix names both ways out", () => {
  expect(
    linkProblem({ where, reason: "", tls: { cert: true }, refusal: 'node "e4" does not match its certificate, which names e1, e1.lan' }),
  ).toEqual({
    line:
      'zeus at 127.0.0.1:4040 refused node "e4": its certificate names e1, e1.lan: start this emperor with --node e1, ' +
      "or give it a certificate issued for e4 (zeus certs issue DIR e4)",
    cureless: true,
  });
  expect(linkProblem({ where, reason: "", refusal: 'node "e4" does not match its certificate, which names nothing' }).line).toBe(
    'zeus at 127.0.0.1:4040 refused node "e4": its certificate names nothing: give it a certificate issued for e4 (zeus certs issue DIR e4)',
  );
});

test("another refusal of zeus is quoted, and a redial may cure it", () => {
  const reason = 'node "e1" is already connected from 127.0.0.1:5000: is another emperor using that --node?';
  expect(linkProblem({ where, reason: "closed", refusal: reason })).toEqual({
    line: `zeus at 127.0.0.1:4040 refused this emperor: ${reason}`,
    cureless: false,
  });
});

test("TLS misuses are worded with --emperor and --zeus-ca", () => {
  const line = (f: Parameters<typeof linkProblem>[0]) => {
    const p = linkProblem(f);
    expect(p.cureless).toBe(true);
    return p.line;
  };
  expect(line({ where, reason: TLS_RECORD_REASON })).toBe(
    "127.0.0.1:4040: this zeus speaks TLS: pass --emperor zeus-ssl:127.0.0.1:4040 and --zeus-ca CA (with ,CRT,KEY after the port if it asks for a client certificate)",
  );
  expect(line({ where, reason: "TLS handshake failed: ...WRONG_VERSION_NUMBER", tls: { cert: true } })).toBe(
    "127.0.0.1:4040: this zeus does not speak TLS: pass --emperor zeus:127.0.0.1:4040, without --zeus-ca (or give the port of a TLS zeus)",
  );
  expect(line({ where, reason: "self signed certificate in certificate chain", tls: { cert: false } })).toBe(
    "the certificate of 127.0.0.1:4040 is not signed by a CA we trust: pass --zeus-ca CA (zeus's CA)",
  );
  // TLS 1.3: a refused client certificate is a close right after the handshake.
  expect(line({ where, reason: "ECONNRESET", tls: { cert: true }, closedAtOnce: true })).toBe(
    "127.0.0.1:4040 does not accept our certificate (it closed the connection at once): pass --emperor zeus-ssl:127.0.0.1:4040,CRT,KEY signed by zeus's CA",
  );
  expect(line({ where, reason: "TLSV13_ALERT_CERTIFICATE_REQUIRED", tls: { cert: false }, closedAtOnce: true })).toBe(
    "127.0.0.1:4040 requires a client certificate: pass --emperor zeus-ssl:127.0.0.1:4040,CRT,KEY (signed by zeus's CA)",
  );
});

test("transient failures keep their reason, and are not misconfigurations", () => {
  expect(linkProblem({ where, reason: "cannot connect to 127.0.0.1:4040: ECONNREFUSED" })).toEqual({
    line: "cannot connect to 127.0.0.1:4040: ECONNREFUSED",
    cureless: false,
  });
  expect(linkProblem({ where, reason: "", closedAtOnce: true })).toEqual({
    line: "zeus at 127.0.0.1:4040 closed the connection at once",
    cureless: false,
  });
  expect(linkProblem({ where, reason: "ECONNRESET" }).line).toBe("127.0.0.1:4040: ECONNRESET");
});
