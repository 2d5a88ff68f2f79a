/**
 * Why the emperor's link to zeus failed, worded as the one line an operator acts on: the
 * shared TLS misuse classifier (plain on TLS and the reverse, a certificate refused or
 * required, an unknown CA, a name that does not match) with the emperor's own flags, and
 * zeus's refusal of this emperor (its ERROR before it closes). Pure.
 *
 * @module
 */
import { TLS_CLOSED_REASON, tlsMisuse } from "../net/mod.ts";

/** One failure of the link, as the link saw it. */
export interface LinkFailure {
  /** The zeus dialled, "host:port". */
  where: string;
  /** The dial's error message, the read loop's reason, or the close's error message. */
  reason: string;
  /** Whether the emperor dials with TLS, and presents a client certificate. */
  tls?: { cert: boolean };
  /** zeus closed the connection before it said a word, right after it came up. */
  closedAtOnce?: boolean;
  /** What zeus said in its ERROR before it closed the connection. */
  refusal?: string;
}

/** A failure as the link reports it: `line` for the log, /healthz and status; `cureless` when no redial can cure it. */
export interface LinkProblem {
  line: string;
  cureless: boolean;
}

const MISMATCH = /^node "(.*)" does not match its certificate, which names (.*)$/;

/**
 * The one line of a failure of the link to zeus, and whether a redial may cure it.
 *
 * @example
 * ```ts
 * linkProblem({ where: "127.0.0.1:4040", reason: "", refusal: 'node "e4" does not match its certificate, which names e1' });
 * // { line: 'zeus at 127.0.0.1:4040 refused node "e4": its certificate names e1: start this emperor with --node e1, ...', cureless: true }
 * linkProblem({ where: "127.0.0.1:4040", reason: "ECONNREFUSED" }); // { line: "127.0.0.1:4040: ECONNREFUSED", cureless: false }
 * ```
 */
export function linkProblem(f: LinkFailure): LinkProblem {
  if (f.refusal !== undefined) return refused(f.where, f.refusal);
  // Under TLS 1.3 zeus refuses a client certificate after our handshake is done: the close is all we hear.
  const reason = f.closedAtOnce && f.tls?.cert ? `${TLS_CLOSED_REASON} (${f.reason || "closed"})` : f.reason;
  const misuse = tlsMisuse(reason, {
    where: f.where,
    peer: "zeus",
    ca: "zeus's CA",
    useTls: `pass --emperor zeus-ssl:${f.where} and --zeus-ca CA (with ,CRT,KEY after the port if it asks for a client certificate)`,
    usePlain: `pass --emperor zeus:${f.where}, without --zeus-ca`,
    caFlag: "--zeus-ca CA",
    certFlags: `--emperor zeus-ssl:${f.where},CRT,KEY`,
  });
  if (misuse) return { line: misuse.line, cureless: true };
  if (f.closedAtOnce && f.tls && !f.tls.cert) {
    return {
      line: `zeus at ${f.where} closed the connection at once: it may require a client certificate: pass --emperor zeus-ssl:${f.where},CRT,KEY (signed by zeus's CA)`,
      cureless: false,
    };
  }
  if (f.closedAtOnce) return { line: `zeus at ${f.where} closed the connection at once`, cureless: false };
  return { line: f.reason.includes(f.where) ? f.reason : `${f.where}: ${f.reason || "zeus closed the connection"}`, cureless: false };
}

/** zeus's ERROR before it closed the connection, with the fix when it is this emperor's name. */
function refused(where: string, reason: string): LinkProblem {
  const m = MISMATCH.exec(reason);
  if (!m) return { line: `zeus at ${where} refused this emperor: ${reason}`, cureless: false };
  const [, node, names] = m as unknown as [string, string, string];
  const issue = `a certificate issued for ${node} (zeus certs issue DIR ${node})`;
  const fix = names === "nothing" ? `give it ${issue}` : `start this emperor with --node ${names.split(", ")[0]}, or give it ${issue}`;
  return { line: `zeus at ${where} refused node "${node}": its certificate names ${names}: ${fix}`, cureless: true };
}
