/**
 * Who may administer zeus: the decision taken when a connection says HELLO. Pure.
 *
 * @module
 */

/** What zeus knows of a connection that says it is an admin client. */
export interface AdminCandidate {
  /** "ip:port" or "[ip6]:port". */
  remote: string;
  /** Names (CN, SANs) of its verified client certificate; empty without one. */
  certNames: string[];
  /** Whether zeus requires client certificates (`--client-ca`). */
  clientCerts: boolean;
  /** Names given to `zeus --admin NAME`. */
  admins: readonly string[];
}

/** The verdict: admitted as `who` (for every log line), or refused with a reason to send and log. */
export type AdminVerdict = { ok: true; who: string } | { ok: false; reason: string };

/**
 * True for 127.0.0.0/8, ::1 and IPv4-mapped loopback addresses ("ip:port" forms accepted).
 *
 * @example
 * ```ts
 * isLoopback("127.0.0.5:40000"); // true
 * isLoopback("[::1]:40000");     // true
 * isLoopback("10.0.0.1:40000");  // false
 * ```
 */
export function isLoopback(remote: string): boolean {
  let host = remote;
  const bracket = /^\[([^\]]+)\](?::\d+)?$/.exec(remote);
  if (bracket) host = bracket[1]!;
  else if (/^[0-9.]+:\d+$/.test(remote)) host = remote.slice(0, remote.lastIndexOf(":"));
  host = host.toLowerCase().replace(/^::ffff:/, "");
  return host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** How a refusal names the server and where its admins are given. */
export interface AdminWording {
  /** What is administered: "zeus", "this node". */
  server: string;
  /** Where admin certificate names are given: "zeus --admin". */
  given: string;
  /** How to name one: "start it with --admin NAME". */
  howTo: string;
}

const ZEUS_WORDING: AdminWording = { server: "zeus", given: "zeus --admin", howTo: "start it with --admin NAME" };

/**
 * Decides whether a connection is an admin client. With client certificates, only a
 * certificate naming one of `--admin NAME` is; without them (plain, or TLS without
 * `--client-ca`), only a loopback address is.
 *
 * @example
 * ```ts
 * adminVerdict({ remote: "10.0.0.2:5000", certNames: ["ops"], clientCerts: true, admins: ["ops"] });
 * // { ok: true, who: "ops" }
 * ```
 */
export function adminVerdict(c: AdminCandidate, w: AdminWording = ZEUS_WORDING): AdminVerdict {
  if (c.clientCerts) {
    const name = c.certNames.find((n) => c.admins.includes(n));
    if (name !== undefined) return { ok: true, who: name };
    if (c.admins.length === 0) return { ok: false, reason: `${w.server} names no admin certificate (${w.howTo})` };
    const named = c.certNames.length ? `certificate names ${c.certNames.map((n) => `"${n}"`).join(", ")}` : "no certificate name";
    return { ok: false, reason: `not an admin: ${named}, none of them given to ${w.given}` };
  }
  if (isLoopback(c.remote)) return { ok: true, who: c.remote };
  return {
    ok: false,
    reason: `not an admin: ${c.remote} is not a loopback address (without client certificates only local clients may administer ${w.server})`,
  };
}
