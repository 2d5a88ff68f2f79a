/**
 * The error classes callers are expected to catch, in one place.
 *
 * @module
 */

/**
 * Exit codes shared by every binary (listed in each `--help`). The admin clients' own
 * failures (zeus/emperor exec, logs, drain...) are chosen high, as ssh's 255, so that they
 * rarely collide with the code of a command run remotely, which passes through unchanged.
 */
export const EXIT = {
  ok: 0,
  /** A runtime failure (the line on stderr says why). */
  failure: 1,
  /** Bad flags, values or config. */
  usage: 2,
  /** `zeus drain --wait`: the drain is blocked (no copy can move) or ended forced (copies stopped). */
  drainUnfinished: 3,
  /** A daemon met an error nothing expected (a bug): it logged one line and ended (sysexits' EX_SOFTWARE). */
  unexpected: 70,
  /** Admin clients: no such vassal, node or emperor. */
  notFound: 253,
  /** Admin clients: refused (not an admin client, or exec disabled on that emperor). */
  refused: 254,
  /** Admin clients: zeus (or the emperor) unreachable, or the connection lost. */
  lost: 255,
} as const;

/**
 * The reason in a system error, e.g. "ENOSPC" or "ECONNREFUSED"; an error without a code
 * gives its message, anything else its string form.
 *
 * @param e whatever was caught
 * @returns the error's `code`, else its message
 *
 * @example
 * ```ts
 * import { writeSync } from "node:fs";
 * try { writeSync(99, "x") } catch (e) { console.error(errCode(e)) } // "EBADF"
 * ```
 */
export function errCode(e: unknown): string {
  if (e instanceof Error) return (e as NodeJS.ErrnoException).code ?? e.message;
  return String(e);
}

/**
 * Bad flags, bad values or a bad config file: the command prints the message on one
 * line and exits 2.
 *
 * @example
 * ```ts
 * throw new UsageError(`--interval "x" is not a number of seconds`);
 * ```
 */
export class UsageError extends Error {
  /**
   * @param message one line saying what was wrong, quoting the value
   * @param options `cause`: the error that led to this one
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "UsageError";
  }
}

/**
 * A config file that cannot be used: the message names the file, the line when known,
 * and what is wrong, e.g. `ring.toml:7: node 3 has no host`.
 *
 * @example
 * ```ts
 * try { loadRingConfig("ring.toml") } catch (e) { if (e instanceof ConfigError) console.error(e.message) }
 * ```
 */
export class ConfigError extends UsageError {
  /**
   * @param file the config file's path
   * @param what what is wrong
   * @param line 1-based line, when known
   * @param options `cause`: the error that led to this one
   */
  constructor(
    readonly file: string,
    readonly reason: string,
    readonly line?: number,
    options?: ErrorOptions,
  ) {
    super(`${file}${line ? `:${line}` : ""}: ${reason}`, options);
    this.name = "ConfigError";
  }
}

/**
 * Several independent problems of one config file, in line order, so that `--check` lists
 * them all. Its own message is the first one's, plus how many more there are, so a log
 * line or a status table stays one line; `errors` holds each.
 *
 * @example
 * ```ts
 * try { loadRingConfig("ring.toml") } catch (e) { if (e instanceof ConfigErrors) for (const x of e.errors) console.error(x.message) }
 * ```
 */
export class ConfigErrors extends ConfigError {
  /** @param errors two or more errors, in the order to report them */
  constructor(readonly errors: readonly ConfigError[]) {
    const first = errors[0]!;
    super(first.file, `${first.reason} (and ${errors.length - 1} more: --check lists them)`, first.line);
    this.name = "ConfigErrors";
  }
}

/**
 * Each problem an error holds: the errors of a {@link ConfigErrors}, or the error itself.
 *
 * @example
 * ```ts
 * declare const e: ConfigError;
 * for (const line of problemsOf(e).map((x) => x.message)) console.error(line);
 * ```
 */
export function problemsOf(e: ConfigError): readonly ConfigError[] {
  return e instanceof ConfigErrors ? e.errors : [e];
}

/**
 * Malformed uwsgi bytes: a truncated var, a length past the end, bad UTF-8 in a key,
 * or a payload over the decoder's limit. `offset` is the byte where decoding failed.
 * Daemons catch it, log it, and close the one connection that sent it.
 *
 * @example
 * ```ts
 * try { decodeVars(bytes) } catch (e) { if (e instanceof PacketError) console.log(e.offset) }
 * ```
 */
export class PacketError extends Error {
  /** Byte offset (within the payload or stream) where the problem was found. */
  readonly offset: number;

  /**
   * @param message what was wrong
   * @param offset the byte at which it was found
   */
  constructor(message: string, offset: number) {
    super(`${message} (at byte ${offset})`);
    this.name = "PacketError";
    this.offset = offset;
  }
}

/**
 * A well-framed packet that breaks a protocol's rules (the ring's or Zeus's): an unknown
 * message type, a message sent in the wrong direction or at the wrong time, a missing var.
 * It has no byte offset: the bytes were fine, their meaning was not ({@link PacketError} is
 * for malformed bytes). Daemons log it and close the one connection that sent it; an error
 * of any other class while handling a packet is the daemon's own bug, not the peer's.
 *
 * @example
 * ```ts
 * throw new ProtocolError(`unknown Zeus message type 42`);
 * ```
 */
export class ProtocolError extends Error {
  /**
   * @param message what was wrong, quoting the value
   * @param options `cause`: the error that led to this one
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ProtocolError";
  }
}

/**
 * etcd could not be reached or refused a request. `unreachable` tells the first (no member
 * answered: retry later) from the second (a member answered with an error).
 *
 * @example
 * ```ts
 * try { await etcd.call(rangeRequest("/zeus/leader")) } catch (e) { if (e instanceof EtcdError && e.unreachable) console.log("retry later") }
 * ```
 */
export class EtcdError extends Error {
  /**
   * @param message what failed, naming the endpoint(s)
   * @param unreachable true when no member answered at all
   * @param options `cause`: the error that led to this one
   */
  constructor(
    message: string,
    readonly unreachable: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "EtcdError";
  }
}

/**
 * A write guarded by the leader key was refused by its guard: this zeus no longer leads
 * (its successor holds the key). The writer must stop acting.
 *
 * @example
 * ```ts
 * import type { StateStore } from "./zeus/state_store.ts";
 * declare const store: StateStore, stepDown: (why: string) => void;
 * try { await store.save(core.snapshot()) } catch (e) { if (e instanceof DeposedError) stepDown(e.message) }
 * ```
 */
export class DeposedError extends EtcdError {
  constructor(message: string) {
    super(message, false);
    this.name = "DeposedError";
  }
}

/**
 * An admin command or stream that failed for a reason the caller should know, with a
 * short machine-readable `code` ("no-such-vassal", "refused", "lost", ...) that admin
 * clients turn into exit codes. Thrown by admin command handlers; sent as FAILED.
 *
 * @example
 * ```ts
 * throw new AdminError("no-such-node", `no emperor "n9" is connected`);
 * ```
 */
export class AdminError extends Error {
  /**
   * @param code short kebab-case code naming the kind of failure
   * @param message one line saying what was wrong
   * @param options `cause`: the error that led to this one
   */
  constructor(
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "AdminError";
  }
}
