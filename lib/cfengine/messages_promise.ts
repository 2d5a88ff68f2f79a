/**
 * The `messages:` promise: its attributes, checked. Pure: a promiser and the attributes
 * cf-agent sends in, a {@link MessagePromise} or the reasons it is invalid out.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { type HostPort, parseHostPort } from "../tls/mod.ts";
import { contentProblem, DEFAULT_CLIENT_PORT } from "../ring/client/mod.ts";
import { ID_RE } from "../ring/mod.ts";

/** A valid `messages:` promise, ready to evaluate. */
export interface MessagePromise {
  /** The promiser: the message content. */
  content: string;
  /** The ring id (the `id` attribute itself, or its digest); undefined: a fresh id each run. */
  id: string | undefined;
  /** The `id` attribute as written. */
  givenId: string | undefined;
  /** ring.toml's path, or the servers given. */
  ring?: string;
  servers?: HostPort[];
  tls: { ca?: string; cert?: string; key?: string };
  /** How long the ring may take to acknowledge, retries included (ms). */
  timeoutMs: number;
  /** `action_policy` "warn"/"nop" (cf-agent's dry run): report, send nothing. */
  dryRun: boolean;
}

/** The attributes a `messages:` promise takes (action_policy is cf-agent's own). */
export const MESSAGE_ATTRIBUTES = ["ring", "servers", "id", "ca", "cert", "key", "timeout", "action_policy"] as const;

/** The timeout when none is given, in seconds. */
export const DEFAULT_TIMEOUT_S = 10;

/**
 * The ring id of an `id` attribute: itself when it is a message id (1-64 of
 * `[A-Za-z0-9._:-]`), else `cf-` and 40 hex digits of its SHA-256, the same on every run.
 *
 * @example
 * ```ts
 * ringId("backup-mv-20261206"); // "backup-mv-20261206"
 * ringId("backup done on mv");  // "cf-" + 40 hex digits
 * ```
 */
export function ringId(id: string): string {
  return ID_RE.test(id) ? id : `cf-${createHash("sha256").update(id).digest("hex").slice(0, 40)}`;
}

function text(attrs: Record<string, unknown>, name: string, problems: string[]): string | undefined {
  const v = attrs[name];
  if (v === undefined) return undefined;
  if (typeof v !== "string" || v === "") {
    problems.push(`'${name}' must be a non-empty string, not ${JSON.stringify(v)}`);
    return undefined;
  }
  return v;
}

function serversOf(v: unknown, problems: string[]): HostPort[] | undefined {
  const list = typeof v === "string" ? [v] : v;
  if (!Array.isArray(list) || list.length === 0 || list.some((s) => typeof s !== "string")) {
    problems.push(`'servers' must be a list of "HOST[:PORT]" strings, not ${JSON.stringify(v)}`);
    return undefined;
  }
  const out: HostPort[] = [];
  for (const s of list as string[]) {
    try {
      out.push(parseHostPort(s, DEFAULT_CLIENT_PORT));
    } catch (e) {
      problems.push(`'servers' entry "${s}": ${(e as Error).message}`);
    }
  }
  return out;
}

function timeoutOf(v: string | undefined, problems: string[]): number {
  if (v === undefined) return DEFAULT_TIMEOUT_S * 1000;
  const s = Number(v);
  if (!/^[0-9]+(\.[0-9]+)?$/.test(v.trim()) || !(s > 0) || s > 3600) {
    problems.push(`'timeout' "${v}" must be a number of seconds above 0, at most 3600`);
  }
  return s * 1000;
}

/**
 * Checks a `messages:` promise: the promiser must be one message (no line break, at most
 * 508 bytes of UTF-8), exactly one of `ring` and `servers` must say where the ring is, and
 * every attribute must be known and well formed.
 *
 * @returns the promise, or every reason it is invalid
 * @example
 * ```ts
 * checkPromise("backup done", { id: "backup-1", ring: "/etc/zog/ring.toml" }); // { promise: {...} }
 * checkPromise("backup done", { colour: "red" }); // { problems: ["unknown attribute 'colour' ...", "no ring: ..."] }
 * ```
 */
export function checkPromise(promiser: string, attrs: Record<string, unknown>): { promise: MessagePromise } | { problems: string[] } {
  const problems: string[] = [];
  for (const name of Object.keys(attrs)) {
    if (!(MESSAGE_ATTRIBUTES as readonly string[]).includes(name)) {
      problems.push(`unknown attribute '${name}' (a messages promise takes ${MESSAGE_ATTRIBUTES.slice(0, -1).join(", ")})`);
    }
  }
  const content = contentProblem(promiser);
  if (content) problems.push(`the message "${promiser.slice(0, 60).replace(/[\r\n]/g, " ")}" cannot be sent: ${content}`);
  const ring = text(attrs, "ring", problems);
  const servers = attrs.servers === undefined ? undefined : serversOf(attrs.servers, problems);
  if (ring === undefined && attrs.servers === undefined && attrs.ring === undefined) {
    problems.push(`no ring: give ring => "/etc/zog/ring.toml" or servers => { "HOST:PORT", ... }`);
  }
  if (attrs.ring !== undefined && attrs.servers !== undefined) problems.push("give either 'ring' or 'servers', not both");
  const givenId = text(attrs, "id", problems);
  const tls = { ca: text(attrs, "ca", problems), cert: text(attrs, "cert", problems), key: text(attrs, "key", problems) };
  if ((tls.cert === undefined) !== (tls.key === undefined)) problems.push("'cert' and 'key' go together: give both or neither");
  const timeoutMs = timeoutOf(text(attrs, "timeout", problems), problems);
  const policy = text(attrs, "action_policy", problems) ?? "fix";
  if (!["fix", "warn", "nop"].includes(policy)) problems.push(`'action_policy' "${policy}" must be fix, warn or nop`);
  if (problems.length > 0) return { problems };
  const id = givenId === undefined ? undefined : ringId(givenId);
  return { promise: { content: promiser, id, givenId, ring, servers, tls, timeoutMs, dryRun: policy !== "fix" } };
}

/**
 * A client's reason, with the command-line fixes it names (`pass --cert CRT --key KEY`)
 * said as the promise attributes that do the same.
 *
 * @example
 * ```ts
 * inAttributes("x requires a client certificate: pass --cert CRT --key KEY"); // 'x requires a client certificate: give cert => "CRT", key => "KEY"'
 * ```
 */
export function inAttributes(reason: string): string {
  return reason
    .replace(/pass --cert CRT --key KEY/g, 'give cert => "CRT", key => "KEY"')
    .replace(/pass --ca CA/g, 'give ca => "CA"')
    .replace(/, or --config ring\.toml on a ring machine/g, "");
}
