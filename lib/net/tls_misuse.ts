/**
 * The usual TLS misuses a client meets, told apart from transient failures: a plain client
 * on a TLS port (it hears a TLS record where a packet was expected), a TLS client on a plain
 * port, a peer that wants a client certificate, a peer certificate from an unknown CA, our
 * certificate refused by the peer (with its reason), a peer certificate that does not name
 * the host dialled, and a host name that does not resolve. No retry cures them: every
 * client (sprog, the admin clients, the emperor's link to zeus) ends at once, exit 2, on
 * the one line {@link tlsMisuse} makes. Pure.
 *
 * @module
 */

/** Which misuse a failure is. */
export type TlsMisuseKind =
  "plain-on-tls" | "tls-on-plain" | "cert-required" | "unknown-ca" | "cert-refused" | "name-mismatch" | "no-such-host";

/** What the lines name: the peer's kind and its CA, and what else a user may pass. */
export interface TlsMisuseContext {
  /** The address dialled, "host:port". */
  where: string;
  /** What the peer is, for "this node speaks TLS": "node", "zeus". Default "peer". */
  peer?: string;
  /** Whose CA signs the certificates: "the ring's CA", "zeus's CA". Default "the CA". */
  ca?: string;
  /** Appended to the client-certificate hint, e.g. ", or --config ring.toml on a ring machine". */
  certAlternative?: string;
  /** Appended to the host hint, e.g. " or a node name of ring.toml". */
  hostAlternative?: string;
  /** How to speak TLS to it. Default "pass --ca, and --cert/--key if it asks for a client certificate". */
  useTls?: string;
  /** How to speak plain to it. Default "leave out --ca, --cert and --key". */
  usePlain?: string;
  /** How to name the CA. Default "--ca CA". */
  caFlag?: string;
  /** How to present a client certificate. Default "--cert CRT --key KEY". */
  certFlags?: string;
}

/** A misuse and the one line that names its fix. */
export interface TlsMisuse {
  kind: TlsMisuseKind;
  line: string;
}

/** TLS record content types a server sends first: alert (21) and handshake (22). */
const TLS_ALERT = 21;
const TLS_HANDSHAKE = 22;

/** The reason the packet reader gives for a TLS record where a packet was expected (see {@link looksLikeTls}). */
export const TLS_RECORD_REASON = "the peer answered with a TLS record (it speaks TLS)";

/**
 * The reason a client gives when a TLS peer closed the connection right after the handshake,
 * before it said a word, while we presented a client certificate: under TLS 1.3 a server
 * refuses a client certificate after the client's handshake is done, and the reset that
 * follows loses its alert.
 */
export const TLS_CLOSED_REASON = "closed right after the TLS handshake, before a word";

/**
 * Whether the first bytes heard on a connection are a TLS record (an alert or a handshake,
 * protocol version 3.x) rather than a uwsgi packet: what a plain client hears from a TLS port
 * (and a plain server from a TLS client).
 *
 * @param bytes the first bytes read (at least 1)
 * @example
 * ```ts
 * looksLikeTls(new Uint8Array([21, 3, 3, 0, 2, 2, 70])); // true: a TLS alert
 * looksLikeTls(new Uint8Array([222, 10, 0, 1])); // false: a ring packet
 * ```
 */
export function looksLikeTls(bytes: Uint8Array): boolean {
  const type = bytes[0];
  if (type !== TLS_ALERT && type !== TLS_HANDSHAKE) return false;
  return bytes.length < 2 || bytes[1] === 3;
}

/** The peer's reason in an OpenSSL alert, e.g. "TLSV1_ALERT_UNKNOWN_CA" → "unknown ca". */
function alertReason(reason: string): string {
  const m = /(?:SSLV3|TLSV1)_ALERT_([A-Z_]+)/.exec(reason);
  if (m) return m[1]!.toLowerCase().replaceAll("_", " ");
  return reason.includes(TLS_CLOSED_REASON) ? "it closed the connection at once" : "bad certificate";
}

const DEFAULT_CONTEXT: Omit<Required<TlsMisuseContext>, "where"> = {
  peer: "peer",
  ca: "the CA",
  certAlternative: "",
  hostAlternative: "",
  useTls: "pass --ca, and --cert/--key if it asks for a client certificate",
  usePlain: "leave out --ca, --cert and --key",
  caFlag: "--ca CA",
  certFlags: "--cert CRT --key KEY",
};

type Rule = [RegExp, TlsMisuseKind, (c: Required<TlsMisuseContext>, reason: string) => string];

const RULES: Rule[] = [
  [new RegExp(TLS_RECORD_REASON.replace(/[()]/g, "\\$&")), "plain-on-tls", (c) => `${c.where}: this ${c.peer} speaks TLS: ${c.useTls}`],
  [
    /WRONG_VERSION_NUMBER|wrong version number|PACKET_LENGTH_TOO_LONG|HTTP_REQUEST|UNKNOWN_PROTOCOL/i,
    "tls-on-plain",
    (c) => `${c.where}: this ${c.peer} does not speak TLS: ${c.usePlain} (or give the port of a TLS ${c.peer})`,
  ],
  [
    /disconnected before secure TLS connection was established/,
    "tls-on-plain",
    (c) => `${c.where}: this ${c.peer} does not speak TLS: ${c.usePlain} (or give the port of a TLS ${c.peer})`,
  ],
  [
    /CERTIFICATE_REQUIRED|certificate required/i,
    "cert-required",
    (c) => `${c.where} requires a client certificate: pass ${c.certFlags} (signed by ${c.ca})${c.certAlternative}`,
  ],
  [
    /UNABLE_TO_VERIFY_LEAF_SIGNATURE|unable to verify|UNABLE_TO_GET_ISSUER|local issuer|SELF_SIGNED|self[- ]signed|CERT_SIGNATURE_FAILURE/i,
    "unknown-ca",
    (c) => `the certificate of ${c.where} is not signed by a CA we trust: pass ${c.caFlag} (${c.ca})`,
  ],
  [
    new RegExp(
      String.raw`ALERT_UNKNOWN_CA|ALERT_BAD_CERTIFICATE|ALERT_CERTIFICATE_UNKNOWN|ALERT_CERTIFICATE_EXPIRED|ALERT_CERTIFICATE_REVOKED|ALERT_UNSUPPORTED_CERTIFICATE|ALERT_ACCESS_DENIED|unknown ca|bad certificate|${TLS_CLOSED_REASON}`,
      "i",
    ),
    "cert-refused",
    (c, r) => `${c.where} does not accept our certificate (${alertReason(r)}): pass ${c.certFlags} signed by ${c.ca}`,
  ],
  [
    /ALTNAME|does not name|Hostname\/IP does not match/i,
    "name-mismatch",
    (c) => `the certificate of ${c.where} does not name it: dial the host or IP its certificate names, or issue one with --host`,
  ],
  [/ENOTFOUND/, "no-such-host", (c) => `cannot resolve the host of ${c.where}: pass an address or HOST:PORT${c.hostAlternative}`],
];

/**
 * The misuse a connection failure is, with its one line, or undefined when a retry may help
 * (refused, reset, timed out, closed...).
 *
 * @param reason the failure's message (from `dial`, or the packet reader's reason)
 * @param ctx the address dialled and how to word the hint
 * @returns the misuse, or undefined for a transient failure
 * @example
 * ```ts
 * tlsMisuse("cannot connect to 127.0.0.11:5555: TLS handshake failed: ...WRONG_VERSION_NUMBER", { where: "127.0.0.11:5555", peer: "node" });
 * // { kind: "tls-on-plain", line: "127.0.0.11:5555: this node does not speak TLS: leave out --ca, ..." }
 * ```
 */
export function tlsMisuse(reason: string, ctx: TlsMisuseContext): TlsMisuse | undefined {
  const c: Required<TlsMisuseContext> = { ...DEFAULT_CONTEXT, ...ctx };
  for (const [re, kind, say] of RULES) if (re.test(reason)) return { kind, line: say(c, reason) };
  return undefined;
}
